/** ping: proves the host answers a command; `data=crash` fails on purpose, as Ansible's does. */
import { defineModule } from './define.js';

export default defineModule({
  name: 'ping',
  supportsCheckMode: true,
  spec: { options: { data: { type: 'str', default: 'pong' } } },
  async run(args, ctx) {
    // Ansible's ping raises Exception('boom'); the controller reports the module's exception so.
    if (args.data === 'crash') return { changed: false, failed: true, msg: 'Task failed: Module failed: boom' };
    const r = await ctx.conn.exec(['true'], { become: ctx.become });
    if (r.rc !== 0) return { changed: false, failed: true, msg: r.stderr || 'ping failed' };
    return { changed: false, ping: args.data };
  },
});
