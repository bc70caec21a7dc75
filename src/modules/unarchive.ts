/**
 * ansible.builtin.unarchive: an archive (.zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz, .tar.zst)
 * unpacked into an existing directory on the host. The archive comes from the controller (copied
 * to a temporary file on the host first), from the host (remote_src), or from a URL the host
 * downloads (remote_src with ://). The archive fact reads the source, the destination, the
 * handler and the comparison material in one round trip; whether it is already unpacked is decided
 * in the controller as Ansible decides it (tar: `tar --diff`; zip: size, mtime, CRC, mode and
 * owner of each member); unpacking and owner/group/mode follow only when needed. Check mode
 * predicts for zip archives and is skipped for tar archives, as in Ansible.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archive } from '../facts/archive.js';
import type { ArchiveState } from '../facts/archive.js';
import { defineModule } from './define.js';
import { type ArchiveOptions, attributePaths, attributeScript, tarArguments, tarDifferences, unpackCommand, zipDifferences } from './support/archive-plan.js';
import { FILE_COMMON_OPTIONS, wantedAttributes } from './support/file-args.js';
import { ModeError, resolveMode } from './support/mode.js';
import { expandRemoteUser } from './support/paths.js';
import { commandError, runScript } from './support/shell.js';
import type { ModuleContext, ModuleResult } from './types.js';

const DOWNLOAD = String.raw`
import os, ssl, sys, tempfile, urllib.request
url = sys.argv[1]
context = None if sys.argv[2] == "1" else ssl._create_unverified_context()
try:
    with urllib.request.urlopen(url, timeout=10, context=context) as r:
        name = os.path.basename(urllib.request.urlparse(r.geturl()).path) or "download"
        d = tempfile.mkdtemp(prefix="playbook-unarchive-")
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            while True:
                b = r.read(65536)
                if not b: break
                f.write(b)
    print(p)
except Exception as e:
    sys.stderr.write("Failure downloading %s, %s" % (url, getattr(e, "reason", e)))
    sys.exit(1)
`;

/** The remote_src URL fetched on the host (fetch_file, certificates checked unless validate_certs is false): the downloaded file's path, or the failure. */
async function download(ctx: ModuleContext, url: string, validateCerts: boolean): Promise<{ path: string } | { error: string }> {
  const result = await ctx.conn.exec(['python3', '-c', DOWNLOAD, url, validateCerts ? '1' : '0'], { become: ctx.become });
  if (result.rc !== 0) return { error: commandError(result) };
  return { path: result.stdout.trim() };
}

export default defineModule({
  name: 'unarchive',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      // Not required here: the action plugin says 'src (or content) and dest are required' first.
      src: { type: 'path' },
      dest: { type: 'path' },
      remote_src: { type: 'bool' },
      copy: { type: 'bool' },
      creates: { type: 'path' },
      list_files: { type: 'bool', default: false },
      keep_newer: { type: 'bool', default: false },
      exclude: { type: 'list', elements: 'str', default: [] },
      include: { type: 'list', elements: 'str', default: [] },
      extra_opts: { type: 'list', elements: 'str', default: [] },
      validate_certs: { type: 'bool', default: true },
      io_buffer_size: { type: 'int', default: 65536 },
      decrypt: { type: 'bool', default: true },
      ...FILE_COMMON_OPTIONS,
    },
    mutually_exclusive: [['include', 'exclude']],
  },
  controllerPaths: (args) => (args.remote_src ?? (args.copy !== null ? !args.copy : false) ? [] : ['src']),
  async run(args, ctx) {
    const fail = (msg: string, extra: Record<string, unknown> = {}): ModuleResult => ({ changed: false, failed: true, msg, ...extra });
    if (args.copy !== null && args.remote_src !== null) return fail("parameters are mutually exclusive: ('copy', 'remote_src')");
    const remoteSrc = args.remote_src ?? (args.copy !== null ? !args.copy : false);
    if (args.src === null || args.dest === null) return fail('src (or content) and dest are required');
    if (args.creates) {
      const creates = await expandRemoteUser(ctx, args.creates);
      if (await ctx.conn.stat(creates, { become: ctx.become, follow: true })) return { changed: false, skipped: true, msg: `skipped, since ${creates} exists` };
    }
    const dest = await expandRemoteUser(ctx, args.dest);
    let localSource: string | undefined;
    if (!remoteSrc) {
      if (args.src.includes('://')) return fail(`Unsupported option, an URI src (${args.src}) is only supported when remote_src is True`);
      const expanded = args.src === '~' || args.src.startsWith('~/') ? path.join(os.homedir(), args.src.slice(1)) : args.src;
      localSource = ctx.findFile('files', expanded);
      if (localSource === undefined) return fail(`Could not find or access '${args.src}' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option`);
    }
    // The action plugin checks dest before anything is copied or downloaded; for an archive already
    // on the host the archive fact answers that too, saving the round trip.
    const mustBeDir = `dest '${dest}' must be an existing dir`;
    if (!remoteSrc || args.src.includes('://')) {
      const destStat = await ctx.conn.stat(dest, { become: ctx.become, follow: true });
      if (destStat?.type !== 'directory') return fail(mustBeDir);
    }

    let want;
    try {
      want = wantedAttributes(args);
      // A symbolic mode Ansible rejects fails before anything is unpacked.
      if (want.mode) resolveMode(want.mode, 0o644, false);
    } catch (e) {
      if (e instanceof ModeError) return fail(e.msg, { details: e.details, path: dest });
      throw e;
    }
    const options: ArchiveOptions = { opts: args.extra_opts, include: args.include, exclude: args.exclude, keepNewer: args.keep_newer, owner: args.owner, group: args.group, mode: want.mode };

    // The archive's place on the host: the controller's file copied to a temporary file, a download, or the path given.
    const cleanup: string[] = [];
    let src = args.src;
    if (localSource !== undefined) {
      src = `/tmp/.playbook-unarchive-${randomBytes(6).toString('hex')}`;
      await ctx.conn.writeFile(src, readFileSync(localSource), { mode: 0o600 }, { become: ctx.become });
      cleanup.push(src);
    } else if (src.includes('://') && !(await ctx.conn.stat(src, { become: ctx.become }))) {
      const got = await download(ctx, src, args.validate_certs);
      if ('error' in got) return fail(got.error);
      src = got.path;
      cleanup.push(path.posix.dirname(src));
    }
    try {
      return await unpack(ctx, src, dest, remoteSrc, options, args.list_files);
    } finally {
      if (cleanup.length > 0) await ctx.conn.exec(['rm', '-rf', '--', ...cleanup], { become: ctx.become });
    }
  },
});

async function unpack(ctx: ModuleContext, src: string, dest: string, remoteSrc: boolean, o: ArchiveOptions, listFiles: boolean): Promise<ModuleResult> {
  const fail = (msg: string, extra: Record<string, unknown> = {}): ModuleResult => ({ changed: false, failed: true, msg, ...extra });
  const tar = tarArguments(o);
  const query = JSON.stringify({ src, dest, tarList: tar.list, tarDiff: tar.diff, include: o.include, exclude: o.exclude, owner: o.owner, group: o.group });
  // Always read fresh: the archive and what is under dest change outside the engine's view.
  const [state] = await ctx.facts.gather([archive.with(query)], { refresh: true });
  if (!state.destIsDir) return fail(`dest '${dest}' must be an existing dir`);
  if (!state.src.exists) return fail(remoteSrc ? `Source '${src}' does not exist` : `Source '${src}' failed to transfer`);
  if (!state.src.readable) return fail(`Source '${src}' not readable`);
  if (!state.src.size) return fail(`Invalid archive '${state.src.abs}', the file is 0 bytes`);
  const isZip = state.handler === 'ZipArchive' || state.handler === 'ZipZArchive';
  // Ansible's tar handler refuses check mode as soon as it is tried, that is whenever unzip cannot read the archive.
  if (ctx.checkMode && !isZip) return { changed: false, skipped: true, msg: 'remote module (unarchive) does not support check mode when using gtar' };
  if (state.handler === null) {
    const reasons = [...new Set(state.reasons)].join('\n');
    return fail(`Failed to find handler for "${state.src.abs}". Make sure the required command to extract the file is installed.\n${reasons}`);
  }
  const result: ModuleResult = { changed: false, handler: state.handler, dest, src: state.src.abs };
  let unarchived: boolean;
  let zipExcludes = o.exclude;
  if (isZip) {
    let check;
    try {
      check = zipDifferences(state, o);
    } catch (e) {
      return fail((e as Error).message, result);
    }
    unarchived = check.unarchived;
    zipExcludes = check.excludes;
    if (check.diff) result['diff'] = { prepared: check.diff };
  } else {
    unarchived = tarDifferences(state.diff?.out ?? '', state.diff?.err ?? '', state.uid, o) === '';
  }

  if (ctx.checkMode) {
    result.changed = !unarchived;
  } else if (!unarchived) {
    const cmd = unpackCommand(state, o, state.src.abs, dest, zipExcludes);
    const run = await ctx.conn.exec(cmd, { become: ctx.become, cwd: dest, env: { LANG: 'C', LC_ALL: 'C', LC_MESSAGES: 'C', LANGUAGE: 'C' } });
    result['extract_results'] = { cmd, rc: run.rc, out: run.stdout, err: run.stderr };
    if (run.rc !== 0) return fail(`failed to unpack ${state.src.abs} to ${dest}`, result);
    result.changed = true;
  }
  // Owner, group and mode of every member: for tar always, for zip only when something differed.
  const script = attributeScript(o);
  if (script && !ctx.checkMode && (!isZip || result['diff'] !== undefined)) {
    const settled = await runScript(ctx, script, attributePaths(state.files, dest));
    if (settled.rc !== 0) return fail(commandError(settled), result);
    if (settled.stdout.trim() !== '') result.changed = true;
  }
  if (listFiles) result['files'] = state.files;
  if (!ctx.diffMode) delete result['diff'];
  return { ...result, ...(await pathInfo(ctx, dest, result.changed ? null : state)) };
}

/** add_path_info for dest: ids, names, mode, state and size (read again after a change). */
async function pathInfo(ctx: ModuleContext, dest: string, state: ArchiveState | null): Promise<Record<string, unknown>> {
  let st = state?.dest ?? null;
  if (!st) {
    const fresh = await ctx.conn.stat(dest, { become: ctx.become });
    if (!fresh) return {};
    st = { type: fresh.type === 'directory' ? 'directory' : fresh.type === 'link' ? 'link' : fresh.type === 'file' ? 'file' : 'other', mode: fresh.mode & 0o7777, size: fresh.size, mtime: fresh.mtime, uid: fresh.uid, gid: fresh.gid, owner: fresh.owner, group: fresh.group, nlink: fresh.nlink };
  }
  const kind = st.type === 'link' ? 'link' : st.type === 'directory' ? 'directory' : st.nlink > 1 ? 'hard' : 'file';
  return { uid: st.uid, gid: st.gid, owner: st.owner ?? String(st.uid), group: st.group ?? String(st.gid), mode: `0${(st.mode & 0o7777).toString(8).padStart(3, '0')}`, state: kind, size: st.size };
}
