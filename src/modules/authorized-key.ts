/**
 * ansible.posix.authorized_key: SSH keys present in (or absent from) a user's authorized_keys.
 * Facts: the user's passwd entry and the file's text in one round trip (authorized_keys fact); a
 * key given as an http(s) URL or a file: path is read on the host first, as Ansible's module reads
 * it there. Plan: planAuthorizedKeys (support/authorized-keys.ts), the file as Ansible's module
 * would write it; nothing to change sends nothing more. Commands: one script that creates the
 * .ssh directory (manage_dir: owned by the user, 0700) and the file (owned by the user, 0600),
 * and replaces the file with the new text by a rename. Check mode stops before it; the diff is
 * the file's text before and after, where Ansible gives one. Results are Ansible's: the module's
 * parameters with keyfile (and diff in diff mode).
 */
import { PATH_INFO_FORMAT, authorizedKeys, parsePathInfo } from '../facts/authorized-keys.js';
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { planAuthorizedKeys } from './support/authorized-keys.js';
import { KEY_SOURCE_PY } from './support/http-script.js';
import { runRemotePython } from './support/remote-python.js';

/** Creates the directories and the file as the module's keyfile(write=True) does, then renames the new text ($0's stdin) over the file. */
const WRITE_SCRIPT = `set -e
uid=$1 gid=$2 sshdir=$3 keysfile=$4 manage=$5 path=$6
if [ "$manage" = yes ]; then
  [ -e "$sshdir" ] || mkdir -m 0700 -- "$sshdir"
  chown "$uid:$gid" -- "$sshdir"
  chmod 0700 -- "$sshdir"
fi
if [ ! -e "$keysfile" ]; then
  mkdir -p -- "$(dirname -- "$keysfile")"
  : > "$keysfile"
fi
chown "$uid:$gid" -- "$keysfile" 2>/dev/null || true
chmod 0600 -- "$keysfile" 2>/dev/null || true
tmp=$(mktemp "$(dirname -- "$keysfile")/.authorized_keys.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chown --reference="$keysfile" -- "$tmp" 2>/dev/null || true
chmod --reference="$keysfile" -- "$tmp"
mv -f -- "$tmp" "$keysfile"
trap - EXIT
if [ -n "$path" ]; then stat -c '${PATH_INFO_FORMAT}' -- "$path" 2>/dev/null || true; fi`;

/** Python's os.path.dirname. */
function dirname(path: string): string {
  const head = path.slice(0, path.lastIndexOf('/') + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

export default defineModule({
  name: 'authorized_key',
  collection: 'ansible.posix',
  supportsCheckMode: true,
  spec: {
    options: {
      user: { type: 'str', required: true },
      key: { type: 'str', required: true },
      path: { type: 'path' },
      manage_dir: { type: 'bool', default: true },
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      key_options: { type: 'str' },
      exclusive: { type: 'bool', default: false },
      comment: { type: 'str' },
      validate_certs: { type: 'bool', default: true },
      follow: { type: 'bool', default: false },
    },
  },
  async run(args, ctx) {
    const params = {
      user: args.user,
      key: args.key,
      path: args.path,
      manage_dir: args.manage_dir,
      state: args.state,
      key_options: args.key_options,
      exclusive: args.exclusive,
      comment: args.comment,
      validate_certs: args.validate_certs,
      follow: args.follow,
    };
    // A URL or a file: path is read on the host (one more round trip, only then).
    let keyText = args.key;
    if (keyText.startsWith('http') || keyText.startsWith('file')) {
      const source = await runRemotePython(ctx, 'authorized_key', KEY_SOURCE_PY, { key: keyText, validate_certs: args.validate_certs }, 60_000);
      if (source.failed) return source;
      keyText = String(source['key']);
    }

    const found = await ctx.facts.get(authorizedKeys, args.user, args.path ?? '');
    if (!(ctx.checkMode && args.path !== null) && found.user === null) {
      if (ctx.checkMode) return { changed: false, failed: true, msg: 'Either user must exist or you must provide full path to key file in check mode' };
      return { changed: false, failed: true, msg: `Failed to lookup user ${args.user}: "getpwnam(): name not found: '${args.user}'"` };
    }
    const keyfile = found.keyfile;
    const plan = planAuthorizedKeys(
      { key: keyText, state: args.state, keyOptions: args.key_options, exclusive: args.exclusive, comment: args.comment },
      found.content ?? '',
    );
    if ('error' in plan) return { changed: false, failed: true, msg: plan.error };
    const result: ModuleResult = { ...params, keyfile, changed: plan.changed };
    // As AnsibleModule.exit_json: a result with a path gets that path's stat (its `state` over the module's).
    if (!plan.changed || ctx.checkMode) Object.assign(result, found.pathInfo ?? {});
    if (!plan.changed) return result;

    const target = args.follow ? found.realpath : keyfile;
    if (ctx.diffMode) result.diff = { before_header: keyfile, after_header: target, before: found.content ?? '', after: plan.content };
    if (ctx.checkMode) return result;

    const user = found.user!;
    const sshdir = args.path === null ? dirname(keyfile) : dirname(args.path);
    const written = await ctx.conn.exec(['sh', '-c', WRITE_SCRIPT, 'sh', String(user.uid), String(user.gid), sshdir, target, args.manage_dir ? 'yes' : 'no', args.path ?? ''], {
      become: ctx.become,
      env: ctx.environment,
      stdin: plan.content,
    });
    if (written.rc !== 0) return { changed: false, failed: true, msg: `authorized_key: could not write ${target}: ${written.stderr.trim() || written.stdout.trim()}`, rc: written.rc };
    return { ...result, ...parsePathInfo(written.stdout) };
  },
});
