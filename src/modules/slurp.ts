/** slurp: a file's content from the host, base64-encoded. */
import { defineModule } from './define.js';

export default defineModule({
  name: 'slurp',
  supportsCheckMode: true,
  spec: { options: { src: { type: 'path', required: true, aliases: ['path'] } } },
  async run(args, ctx) {
    const src = args.src;
    const st = await ctx.conn.stat(src, { become: ctx.become, follow: true });
    if (!st) return { changed: false, failed: true, msg: `file not found: ${src}` };
    if (st.type === 'directory') return { changed: false, failed: true, msg: `source is a directory and must be a file: ${src}` };
    const data = await ctx.conn.readFile(src, { become: ctx.become });
    if (!data) return { changed: false, failed: true, msg: `file not found: ${src}` };
    return { changed: false, content: data.toString('base64'), encoding: 'base64', source: src };
  },
});
