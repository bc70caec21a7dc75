/**
 * ansible.posix.sysctl: a kernel parameter in a sysctl file (and, with sysctl_set, in the running
 * kernel), the file reloaded after a change. The parameter and the file are read in one round trip;
 * the file is written atomically where its links lead; `sysctl -w` and `sysctl -p` follow.
 */
import { sysctlState } from '../facts/sysctl.js';
import { defineModule } from './define.js';
import { runCommands } from './support/shell.js';
import { planSysctl, sysctlValue } from './support/sysctl-file.js';

/** sysctl exits 0 but says so when a key could not be set. */
const SET_FAILED = /^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$/m;

export default defineModule({
  name: 'sysctl',
  collection: 'ansible.posix',
  supportsCheckMode: true,
  spec: {
    options: {
      name: { type: 'str', required: true, aliases: ['key'] },
      value: { type: 'str', aliases: ['val'] },
      state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
      reload: { type: 'bool', default: true },
      sysctl_set: { type: 'bool', default: false },
      ignoreerrors: { type: 'bool', default: false },
      sysctl_file: { type: 'path', default: '/etc/sysctl.conf' },
    },
    requiredIf: [['state', 'present', ['value']]],
  },
  async run(args, ctx) {
    const name = args.name.trim();
    if (name === '') return { changed: false, failed: true, msg: 'name cannot be blank' };
    if (args.state === 'present' && args.value === '') return { changed: false, failed: true, msg: 'value cannot be blank' };
    const value = sysctlValue(args.value);
    const current = await ctx.facts.get(sysctlState, name, args.sysctl_file);
    const plan = planSysctl({ name, value, state: args.state, reload: args.reload, sysctlSet: args.sysctl_set }, current.file, current.running);
    if (ctx.checkMode || !plan.changed) return { changed: plan.changed };
    const lang = { LANG: 'C', LC_ALL: 'C' };
    if (plan.setRunning) {
      const set = await ctx.conn.exec(['sysctl', ...(args.ignoreerrors ? ['-e'] : []), '-w', `${name}=${value}`], { become: ctx.become, env: lang });
      if (set.rc !== 0 || SET_FAILED.test(set.stderr)) return { changed: false, failed: true, msg: `setting ${name} failed: ${set.stdout + set.stderr}` };
    }
    if (plan.write !== undefined) {
      // Written where the path leads, as Ansible does: a link (Debian's /etc/sysctl.d/99-sysctl.conf) stays a link.
      await ctx.conn.writeFile(current.realPath, plan.write, current.attributes ?? { mode: 0o644 }, { become: ctx.become });
    }
    if (plan.reload) {
      const reload = await runCommands(ctx, [['env', 'LANG=C', 'LC_ALL=C', 'sysctl', ...(args.ignoreerrors ? ['-e'] : []), '-p', args.sysctl_file]]);
      if (reload.rc !== 0 || SET_FAILED.test(reload.stderr)) return { changed: false, failed: true, msg: `Failed to reload sysctl: ${reload.stdout}${reload.stderr}` };
    }
    return { changed: true };
  },
});
