/** raw: one shell line on the host, nothing else (no module, no Python). */
import { defineModule } from './define.js';

export default defineModule({
  name: 'raw',
  supportsCheckMode: false,
  refusesAsync: true,
  spec: { options: { _raw_params: { type: 'str', required: true }, executable: { type: 'str' } } },
  async run(args, ctx) {
    const r = await ctx.conn.exec(args._raw_params, { env: ctx.environment, become: ctx.become, ...(args.executable ? { executable: args.executable } : {}) });
    const result = {
      changed: true,
      rc: r.rc,
      stdout: r.stdout,
      stderr: r.stderr,
      stdout_lines: r.stdout.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
      stderr_lines: r.stderr.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
    };
    return r.rc === 0 ? result : { ...result, failed: true, msg: 'non-zero return code' };
  },
});
