/** slurp: a file's content from the host, base64-encoded. */
import { defineModule } from './define.js';
import type { ModuleContext } from './types.js';

export default defineModule({
  name: 'slurp',
  supportsCheckMode: true,
  spec: { options: { src: { type: 'path', required: true, aliases: ['path'] } } },
  async run(args, ctx) {
    const src = args.src;
    const st = await ctx.conn.stat(src, { become: ctx.become, follow: true });
    const data = st && st.type !== 'directory' ? await ctx.conn.readFile(src, { become: ctx.become }) : null;
    if (!data) return { changed: false, failed: true, msg: await whyUnreadable(ctx, src) };
    return { changed: false, content: data.toString('base64'), encoding: 'base64', source: src };
  },
});

/**
 * Ansible's message for the error open(2) gives (as the task's user): found by reading the file with
 * cat, whose message names the errno in the C locale.
 */
async function whyUnreadable(ctx: ModuleContext, src: string): Promise<string> {
  const r = await ctx.conn.exec(['env', 'LC_ALL=C', 'cat', '--', src], { become: ctx.become });
  if (/No such file or directory$/m.test(r.stderr)) return `File not found: ${src}`;
  if (/Permission denied$/m.test(r.stderr)) return `File is not readable: ${src}`;
  if (/Is a directory$/m.test(r.stderr)) return `Source is a directory and must be a file: ${src}`;
  // Ansible's own message for any other error, with its placeholder left unfilled (it lacks the f prefix).
  return 'Unable to slurp file: {source}';
}
