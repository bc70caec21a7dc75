/**
 * community.general.pam_limits: one `domain type item value` line of a limits file (default
 * /etc/security/limits.conf). The file is read with its stat in one round trip, the new content
 * planned as a pure function (planPamLimit) and written atomically keeping its mode and owner.
 */
import { defineModule } from './define.js';
import { backupFile } from './support/backup.js';
import { openEditTarget } from './support/edit.js';
import { planPamLimit } from './support/pam-limits.js';
import type { ModuleResult } from './types.js';

const ITEMS = ['core', 'data', 'fsize', 'memlock', 'nofile', 'rss', 'stack', 'cpu', 'nproc', 'as', 'maxlogins', 'maxsyslogins', 'priority', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'chroot'] as const;

export default defineModule({
  name: 'pam_limits',
  collection: 'community.general',
  supportsCheckMode: true,
  spec: {
    options: {
      domain: { type: 'str', required: true },
      limit_type: { type: 'str', required: true, choices: ['soft', 'hard', '-'] },
      limit_item: { type: 'str', required: true, choices: ITEMS },
      value: { type: 'str', required: true },
      use_max: { type: 'bool', default: false },
      use_min: { type: 'bool', default: false },
      backup: { type: 'bool', default: false },
      dest: { type: 'str', default: '/etc/security/limits.conf' },
      comment: { type: 'str', default: '' },
    },
  },
  async run(args, ctx) {
    const dest = args.dest;
    const target = await openEditTarget(ctx, dest);
    const exists = target.stat !== null && target.stat.type === 'file';
    if (!exists) {
      const dir = dest.includes('/') ? dest.slice(0, dest.lastIndexOf('/')) || '/' : '.';
      const parent = await ctx.conn.stat(dir, { become: ctx.become, follow: true });
      if (parent?.type !== 'directory') return { changed: false, failed: true, msg: `directory ${dir} is not writable (check presence, access rights, use sudo)` };
    }
    const before = exists ? (target.content ?? Buffer.alloc(0)).toString('utf8') : '';
    const plan = planPamLimit(
      { domain: args.domain, limitType: args.limit_type, limitItem: args.limit_item, value: args.value, useMax: args.use_max, useMin: args.use_min, comment: args.comment },
      before,
      dest,
      exists,
    );
    if ('error' in plan) return { changed: false, failed: true, msg: plan.error };
    const result: ModuleResult = { changed: plan.changed, msg: plan.msg, diff: { before, after: plan.after } };
    if (ctx.checkMode) return result;
    // As Ansible: a backup on every run that asks for one (of a file that exists).
    if (args.backup) result['backup_file'] = exists ? await backupFile(ctx, target.realPath) : '';
    if (plan.changed) {
      const stat = target.stat;
      await ctx.conn.writeFile(target.realPath, plan.after, stat && exists ? { mode: stat.mode, owner: stat.owner, group: stat.group } : { mode: 0o644 }, { become: ctx.become });
    }
    return result;
  },
});
