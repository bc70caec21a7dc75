/** ansible.builtin.tempfile: a new temporary file or directory on the host (mkstemp / mkdtemp). */
import { defineModule } from './define.js';
import { pathInfo } from './support/attributes.js';
import { commandError, runScript } from './support/shell.js';

// mktemp with Python's naming (prefix + 8 random characters + suffix) in $TMPDIR or /tmp,
// as tempfile.gettempdir() picks it.
const MKTEMP = [
  'dir=$1 prefix=$2 suffix=$3 kind=$4',
  'if [ -z "$dir" ]; then for d in "$TMPDIR" /tmp /var/tmp /usr/tmp; do if [ -n "$d" ] && [ -d "$d" ] && [ -w "$d" ]; then dir=$d; break; fi; done; fi',
  'if [ "$kind" = directory ]; then exec mktemp -d --suffix="$suffix" -- "$dir/${prefix}XXXXXXXX"; fi',
  'exec mktemp --suffix="$suffix" -- "$dir/${prefix}XXXXXXXX"',
].join('\n');

// Python reports OSError as "[Errno N] strerror: 'path'"; mktemp names the same errors in words.
const ERRNO: Record<string, number> = { 'No such file or directory': 2, 'Permission denied': 13, 'File exists': 17, 'Not a directory': 20, 'No space left on device': 28, 'Read-only file system': 30 };

function pythonError(stderr: string, dir: string, prefix: string, suffix: string): string {
  const reason = /:\s*([^:]+?)\s*$/.exec(stderr.trim())?.[1] ?? stderr.trim();
  const errno = ERRNO[reason];
  return errno === undefined ? stderr.trim() : `[Errno ${errno}] ${reason}: '${dir}/${prefix}XXXXXXXX${suffix}'`;
}

/** os.path.basename(name) == name: no slash in it. */
const isFileNameComponent = (name: string): boolean => !name.includes('/');

export default defineModule({
  name: 'tempfile',
  // Like Ansible's tempfile: no check mode support, so the engine skips it in --check.
  supportsCheckMode: false,
  spec: {
    options: {
      state: { type: 'str', default: 'file', choices: ['file', 'directory'] },
      path: { type: 'path' },
      prefix: { type: 'str', default: 'ansible.' },
      suffix: { type: 'str', default: '' },
    },
  },
  async run(args, ctx) {
    if (args.prefix && !isFileNameComponent(args.prefix)) {
      return { changed: false, failed: true, msg: `prefix must be a valid file name component, got '${args.prefix}'` };
    }
    if (args.suffix && !isFileNameComponent(args.suffix)) {
      return { changed: false, failed: true, msg: `suffix must be a valid file name component, got '${args.suffix}'` };
    }
    const result = await runScript(ctx, MKTEMP, [args.path ?? '', args.prefix, args.suffix, args.state]);
    if (result.rc !== 0) return { changed: false, failed: true, msg: pythonError(commandError(result), args.path ?? '/tmp', args.prefix, args.suffix) };
    const path = result.stdout.replace(/\n$/, '');
    // exit_json adds the new path's owner, mode and state.
    const st = await ctx.conn.stat(path, { become: ctx.become });
    return { changed: true, path, ...(st ? pathInfo(st) : {}) };
  },
});
