/** The local connection: commands through execa, files through node:fs (no process per stat). */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Connection, ExecOptions, ExecResult, FileAttributes, FileStat, StatOptions } from './types.js';

let passwdCache: { users: Map<number, string>; groups: Map<number, string>; uidByName: Map<string, number>; gidByName: Map<string, number> } | undefined;

async function accounts(): Promise<NonNullable<typeof passwdCache>> {
  if (passwdCache) return passwdCache;
  const users = new Map<number, string>();
  const groups = new Map<number, string>();
  const uidByName = new Map<string, number>();
  const gidByName = new Map<string, number>();
  const read = async (file: string): Promise<string[][]> => {
    try {
      return (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  for (const [name = '', , id] of await read('/etc/passwd')) {
    users.set(Number(id), name);
    uidByName.set(name, Number(id));
  }
  for (const [name = '', , id] of await read('/etc/group')) {
    groups.set(Number(id), name);
    gidByName.set(name, Number(id));
  }
  passwdCache = { users, groups, uidByName, gidByName };
  return passwdCache;
}

export async function resolveOwner(owner: string | undefined, group: string | undefined): Promise<{ uid: number; gid: number }> {
  const db = await accounts();
  const toId = (v: string | undefined, names: Map<string, number>, what: string): number => {
    if (v === undefined) return -1;
    if (/^\d+$/.test(v)) return Number(v);
    const id = names.get(v);
    if (id === undefined) throw new Error(`chown failed: failed to look up ${what} ${v}`);
    return id;
  };
  return { uid: toId(owner, db.uidByName, 'user'), gid: toId(group, db.gidByName, 'group') };
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fileType(s: import('node:fs').Stats): FileStat['type'] {
  if (s.isSymbolicLink()) return 'link';
  if (s.isDirectory()) return 'directory';
  if (s.isBlockDevice()) return 'block';
  if (s.isCharacterDevice()) return 'char';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  return 'file';
}

/** How long the output of a program that has exited may stay silent before it is taken as complete. */
const QUIET_AFTER_EXIT_MS = 1000;

/**
 * A program that leaves a process in the background (`daemon &`) exits while that process still
 * holds its output pipes open: as Ansible does, stop reading once the program has exited and its
 * pipes have stayed quiet for a moment, instead of waiting for the background process to end.
 */
function stopReadingWhenQuiet(subprocess: import('node:child_process').ChildProcess): void {
  let timer: NodeJS.Timeout | undefined;
  const close = (): void => {
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  };
  const restart = (): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(close, QUIET_AFTER_EXIT_MS).unref();
  };
  subprocess.once('exit', () => {
    timer = setTimeout(close, QUIET_AFTER_EXIT_MS).unref();
    subprocess.stdout?.on('data', restart);
    subprocess.stderr?.on('data', restart);
  });
  subprocess.once('close', () => clearTimeout(timer));
}

export class LocalConnection implements Connection {
  readonly transport = 'local';

  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    let argv = typeof command === 'string' ? [options.executable ?? '/bin/sh', '-c', command] : [...command];
    let input = options.stdin;
    if (options.become && !(process.getuid?.() === 0 && options.become.user === 'root')) {
      const { user, password } = options.become;
      argv = ['sudo', '-H', '-S', '-p', '', '-u', user, ...argv];
      if (password !== undefined) input = `${password}\n${input === undefined ? '' : input.toString()}`;
    }
    const [file = '/bin/sh', ...args] = argv;
    // execa loads on first use: a run over SSH never needs it, and it costs start-up time.
    const { execa } = await import('execa');
    const subprocess = execa(file, args, {
      reject: false,
      cwd: options.cwd,
      env: options.env,
      input,
      stdin: input === undefined ? 'ignore' : 'pipe',
      timeout: options.timeoutMs,
      stripFinalNewline: false,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
    });
    stopReadingWhenQuiet(subprocess);
    const result = await subprocess;
    const out: ExecResult = { rc: result.exitCode ?? null, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
    if (result.timedOut) out.timedOut = true;
    if (result.failed && result.exitCode === undefined && !result.timedOut) {
      // The program could not be started (ENOENT, EACCES): report it as the shell would.
      out.rc = result.code === 'ENOENT' ? 127 : 126;
      out.stderr = out.stderr || String(result.shortMessage ?? result.message);
    }
    return out;
  }

  async stat(file: string, options: StatOptions = {}): Promise<FileStat | null> {
    let s: import('node:fs').Stats;
    try {
      s = options.follow ? await fs.stat(file) : await fs.lstat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
    const db = await accounts();
    const out: FileStat = {
      path: file,
      type: fileType(s),
      mode: s.mode & 0o7777,
      uid: s.uid,
      gid: s.gid,
      owner: db.users.get(s.uid) ?? String(s.uid),
      group: db.groups.get(s.gid) ?? String(s.gid),
      size: s.size,
      mtime: s.mtimeMs / 1000,
      atime: s.atimeMs / 1000,
      ctime: s.ctimeMs / 1000,
      inode: s.ino,
      dev: s.dev,
      nlink: s.nlink,
    };
    if (s.isSymbolicLink()) out.linkTarget = await fs.readlink(file);
    if (options.checksum && s.isFile()) out.checksum = await sha1File(file);
    if (options.content && s.isFile()) out.content = await fs.readFile(file);
    return out;
  }

  async readFile(file: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async writeFile(file: string, data: Buffer | string, attributes: FileAttributes = {}): Promise<void> {
    const dir = path.dirname(file);
    const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.writeFile(tmp, data, { mode: attributes.mode ?? 0o644, flag: 'wx' });
      const mode = attributes.mode ?? (await fs.stat(tmp)).mode & 0o7777;
      await keepExtendedAttributes(file, tmp);
      if (attributes.mode !== undefined || (await fs.stat(tmp)).mode !== mode) await fs.chmod(tmp, mode);
      if (attributes.owner !== undefined || attributes.group !== undefined) {
        const { uid, gid } = await resolveOwner(attributes.owner, attributes.group);
        await fs.chown(tmp, uid, gid);
      }
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }
}

/**
 * A file replaced keeps its ACL and extended attributes, as under Ansible's atomic_move
 * (shutil.copystat). Node cannot read them, so GNU cp copies them, only when there is an old file;
 * best effort (a cp without --attributes-only leaves the new file without them).
 */
async function keepExtendedAttributes(file: string, tmp: string): Promise<void> {
  if (!(await fs.stat(file).catch(() => null))) return;
  const { execa } = await import('execa');
  await execa('cp', ['--attributes-only', '--preserve=mode,xattr', '--', file, tmp], { reject: false });
}
