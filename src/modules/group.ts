/**
 * ansible.builtin.group on Linux (shadow-utils): the group read with `getent group NAME` (one round
 * trip), groupadd, groupmod or groupdel planned in the controller (planGroup) and run in one more,
 * which reads the group back for its gid.
 */
import { getent } from '../facts/getent.js';
import { defineModule } from './define.js';
import { planGroup } from './support/accounts.js';
import { runScript } from './support/shell.js';
import type { ModuleResult } from './types.js';

const DONE = '@@playbook:done\n';

/** The command ($@), then the group as getent sees it ($PB_NAME). */
const APPLY = `"$@" || exit $?
printf '${DONE}'
getent group "$PB_NAME"
exit 0`;

const gidOf = (line: string | undefined): number | null => (line === undefined ? null : Number(line.split(':')[2]));

export default defineModule({
  name: 'group',
  supportsCheckMode: true,
  spec: {
    options: {
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      name: { type: 'str', required: true },
      force: { type: 'bool', default: false },
      gid: { type: 'int' },
      system: { type: 'bool', default: false },
      local: { type: 'bool', default: false },
      non_unique: { type: 'bool', default: false },
      gid_min: { type: 'int' },
      gid_max: { type: 'int' },
    },
    requiredIf: [['non_unique', true, ['gid']]],
  },
  async run(args, ctx) {
    if (args.force && args.local) return { changed: false, failed: true, msg: 'force is not a valid option for local, force=True and local=True are mutually exclusive' };
    if (args.local) {
      for (const k of ['gid_min', 'gid_max'] as const) if (args[k] !== null) return { changed: false, failed: true, msg: `'${k}' can not be used with 'local'` };
    }
    const [found] = await ctx.facts.gather([getent.with('group', args.name, '')], { refresh: true });
    // getent also finds a group by gid: only an entry of that name counts.
    const line = found.rc === 0 ? found.lines.find((l) => l.split(':')[0] === args.name) : undefined;
    const groups = line === undefined ? [] : [{ name: args.name, gid: gidOf(line) ?? -1, members: [] }];
    const command = planGroup({ name: args.name, state: args.state, gid: args.gid, system: args.system, nonUnique: args.non_unique, force: args.force, gidMin: args.gid_min, gidMax: args.gid_max }, groups);
    if (command && args.local) return { changed: false, failed: true, msg: `Failed to find required executable "l${command[0] ?? ''}": local groups (libuser) are not supported here` };
    const exists = line !== undefined;
    if (command && ctx.checkMode && (!exists || args.state === 'absent')) return { changed: true };
    const result: ModuleResult = { changed: command !== null, name: args.name, state: args.state };
    let after = line;
    if (command && !ctx.checkMode) {
      const out = await runScript(ctx, APPLY, command, { PB_NAME: args.name });
      const at = out.stdout.indexOf(DONE);
      if (out.rc !== 0 || at < 0) return { changed: false, failed: true, name: args.name, msg: out.stderr };
      if (out.stdout.slice(0, at)) result['stdout'] = out.stdout.slice(0, at);
      if (out.stderr) result['stderr'] = out.stderr;
      after = out.stdout.slice(at + DONE.length).split('\n').find((l) => l.includes(':'));
    }
    if (after !== undefined) Object.assign(result, { system: args.system, gid: gidOf(after) });
    return result;
  },
});
