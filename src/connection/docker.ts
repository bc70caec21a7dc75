/**
 * The docker connection (`ansible_connection: docker`): the host is a running container of a
 * Docker engine, reached through the engine's API (dockerode), no sshd needed inside.
 *  - the container is `ansible_host` / `ansible_docker_host`, else the inventory name;
 *  - commands run as `ansible_user` / `ansible_docker_user`, else the container's own user;
 *  - `ansible_docker_extra_args` may name the engine (`-H unix:///…` / `--host=tcp://…`);
 *    otherwise DOCKER_HOST or the default socket.
 * Become: from a root login, the engine starts the command as the target user directly (root
 * needs no password, as with runuser); from any other login, through sudo or su with the same
 * prompt handling as over ssh. Files are read with `cat` over the exec stream (framed, so exact
 * for binary data, and subject to the user's permissions as over ssh), and written atomically:
 * the engine's archive upload puts a temp file with the content, mode and the writer's ownership
 * beside the target, then the writing user renames it over the target (so the user's own rights
 * decide, as over ssh). The upload cannot reach below a tmpfs mount (it would land, unseen, in the
 * container's layer), so there the content goes through the stdin of one `cat > temp` instead.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { connectEngine, engineAddress, engineMessage, statusOf } from '../docker/engine.js';
import { type ContainerExec, type ContainerExecResult, execInContainer } from '../docker/exec.js';
import { createTar } from '../docker/tar.js';
import { BecomeWatcher, becomeSession } from './become-command.js';
import { MISSING_FILE_RC, commandScript, commitScript, readFileScript, tempPathFor, writeFromStdinScript } from './remote-command.js';
import { parseStat, statScript } from './remote-stat.js';
import { quote } from '../python/shlex.js';
import { type Become, type Connection, type ExecOptions, type ExecResult, type FileAttributes, type FileOptions, type FileStat, type StatOptions, UnreachableError } from './types.js';

export interface DockerConnectionOptions {
  /** Container name or id. */
  container: string;
  /** User the commands run as; the container's configured user when absent. */
  user?: string;
  /** Engine address in DOCKER_HOST syntax; DOCKER_HOST or the default socket when absent. */
  engineHost?: string;
  /** Extra arguments this connection does not understand (reported at connect). */
  unsupportedArgs?: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Options from the host's connection variables. */
export function dockerOptionsFromVars(host: string, vars: (name: string) => unknown): DockerConnectionOptions {
  const first = (...names: string[]): string | undefined => names.map((n) => str(vars(n))).find((v) => v !== undefined);
  const opts: DockerConnectionOptions = { container: first('ansible_host', 'ansible_docker_host') ?? host };
  const user = first('ansible_user', 'ansible_docker_user');
  if (user !== undefined) opts.user = user;
  const words = (first('ansible_docker_extra_args') ?? '').split(/\s+/).filter(Boolean);
  const unsupported: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const m = /^(?:-H|--host)(?:=(.+))?$/.exec(w);
    if (!m) unsupported.push(w);
    else if (m[1] !== undefined) opts.engineHost = m[1];
    else opts.engineHost = words[++i];
  }
  if (unsupported.length > 0) opts.unsupportedArgs = unsupported;
  return opts;
}

/** The engine's own start failures come back as the command's output with rc 126. */
const START_FAILURE = /^(unable to find user|OCI runtime exec failed|.*exec failed: unable to start container process)/;

export class DockerConnection implements Connection {
  readonly transport = 'docker';
  private container: Docker.Container | undefined;
  private login: { uid: number; gid: number } | undefined;
  /** Where the engine's archive upload cannot write (tmpfs mounts, /dev, /proc, /sys). */
  private uploadBlind: string[] = [];
  private readonly ids = new Map<string, Promise<{ uid: number; gid: number }>>();
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly host: string,
    private readonly options: DockerConnectionOptions,
  ) {}

  private get where(): string {
    return `container ${this.options.container} on the Docker engine at ${engineAddress(this.options.engineHost)}`;
  }

  private unreachable(message: string, cause?: unknown): UnreachableError {
    return new UnreachableError(this.host, `Failed to reach ${this.where}: ${message}`, cause === undefined ? undefined : { cause });
  }

  connect(): Promise<void> {
    if (this.container && this.login) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.options.unsupportedArgs) throw this.unreachable(`ansible_docker_extra_args: only -H/--host <engine> is supported, not ${this.options.unsupportedArgs.join(' ')}`);
    let docker: Docker;
    try {
      docker = await connectEngine(this.options.engineHost);
    } catch (e) {
      throw this.unreachable(e instanceof Error ? e.message : String(e), e);
    }
    const container = docker.getContainer(this.options.container);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (e) {
      throw this.unreachable(statusOf(e) === 404 ? 'no such container' : engineMessage(e), e);
    }
    const state = info.State;
    const tmpfs = [...Object.keys(info.HostConfig.Tmpfs ?? {}), ...info.Mounts.filter((m) => m.Type === 'tmpfs').map((m) => m.Destination)];
    this.uploadBlind = ['/dev', '/proc', '/sys', ...tmpfs];
    if (!state.Running) throw this.unreachable(`the container is not running (${state.Status}${state.Status === 'exited' ? `, exit code ${state.ExitCode}` : ''})`);
    this.container = container;
    const who = await this.raw(['/bin/sh', '-c', 'id -u && id -g'], this.options.user);
    const [uid, gid] = who.stdout.toString('utf8').trim().split('\n').map(Number);
    if (who.rc !== 0 || uid === undefined || gid === undefined || Number.isNaN(uid) || Number.isNaN(gid)) {
      this.container = undefined;
      throw this.unreachable(`cannot run commands${this.options.user ? ` as ${this.options.user}` : ''}: ${(who.stderr || who.stdout.toString('utf8')).trim() || `rc=${String(who.rc)}`}`);
    }
    this.login = { uid, gid };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.container = undefined;
  }

  private async ready(): Promise<Docker.Container> {
    if (this.closed) throw new UnreachableError(this.host, `the docker connection to ${this.where} is closed`);
    await this.connect();
    if (!this.container) throw this.unreachable('not connected');
    return this.container;
  }

  /** One exec; the engine's failures (container gone or stopped) make the host unreachable. */
  private async raw(argv: readonly string[], user: string | undefined, extra: Pick<ContainerExec, 'stdin' | 'timeoutMs' | 'respond'> = {}): Promise<ContainerExecResult> {
    const container = this.container ?? (await this.ready());
    try {
      const r = await execInContainer(container, { argv, ...(user !== undefined ? { user } : {}), ...extra });
      if (r.rc !== 126 || r.stderr !== '') return r;
      const out = r.stdout.toString('utf8');
      return START_FAILURE.test(out) ? { rc: 126, stdout: Buffer.alloc(0), stderr: out.replace(/\r\n/g, '\n') } : r;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 409) throw this.unreachable(status === 404 ? 'the container is gone' : 'the container is not running', e);
      throw this.unreachable(engineMessage(e), e);
    }
  }

  /** Runs a shell script as the login user, or as become.user (directly from root, else via sudo/su). */
  private async run(script: string, stdin: Buffer | undefined, become: Become | undefined, timeoutMs?: number): Promise<ContainerExecResult> {
    await this.ready();
    const extra = { ...(stdin !== undefined ? { stdin } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
    if (!become || (this.login?.uid === 0 && become.user === 'root')) return this.raw(['/bin/sh', '-c', script], this.options.user, extra);
    if (this.login?.uid === 0) return this.raw(['/bin/sh', '-c', script], become.user, extra);
    const session = becomeSession(script, become);
    return this.raw(['/bin/sh', '-c', session.command], this.options.user, { ...extra, respond: (io, startInput) => new BecomeWatcher(session, become, io, startInput) });
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin);
    const r = await this.run(commandScript(command, options), stdin, options.become, options.timeoutMs);
    const result: ExecResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
    if (r.timedOut) result.timedOut = true;
    return result;
  }

  async stat(file: string, options: StatOptions = {}): Promise<FileStat | null> {
    const r = await this.run(statScript(file, Boolean(options.follow), Boolean(options.checksum), Boolean(options.content)), undefined, options.become);
    if (r.rc !== 0) throw new Error(`stat ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
    return parseStat(file, r.stdout);
  }

  async readFile(file: string, options: FileOptions = {}): Promise<Buffer | null> {
    const r = await this.run(readFileScript(file), undefined, options.become);
    if (r.rc === MISSING_FILE_RC) return null;
    if (r.rc !== 0) throw new Error(`reading ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
    return r.stdout;
  }

  /** uid and gid of the user whose write this is (the login user, or the become user). */
  private writer(become: Become | undefined): Promise<{ uid: number; gid: number }> {
    if (!become && this.login) return Promise.resolve(this.login);
    const user = become?.user ?? this.options.user ?? 'root';
    let ids = this.ids.get(user);
    if (!ids) {
      ids = (async () => {
        const r = await this.raw(['/bin/sh', '-c', `id -u ${quote(user)} && id -g ${quote(user)}`], 'root');
        const [uid, gid] = r.stdout.toString('utf8').trim().split('\n').map(Number);
        if (r.rc !== 0 || uid === undefined || gid === undefined) throw new Error(`no user ${user} in ${this.where}: ${r.stderr.trim()}`);
        return { uid, gid };
      })();
      this.ids.set(user, ids);
      ids.catch(() => this.ids.delete(user));
    }
    return ids;
  }

  async writeFile(file: string, data: Buffer | string, attributes: FileAttributes = {}, options: FileOptions = {}): Promise<void> {
    const container = await this.ready();
    const bytes = Buffer.from(data);
    const tmp = tempPathFor(file);
    const fail = (why: string): Error => new Error(`writing ${file} on ${this.host} failed: ${why}`);
    const dir = path.posix.dirname(tmp);
    if (this.uploadBlind.some((m) => dir === m || dir.startsWith(m.endsWith('/') ? m : m + '/'))) return this.writeThroughStdin(file, tmp, bytes, attributes, options.become);
    const { uid, gid } = await this.writer(options.become);
    const tar = createTar([{ name: path.posix.basename(tmp), data: bytes, mode: attributes.mode ?? 0o644, uid, gid, mtime: Math.floor(Date.now() / 1000) }]);
    try {
      await container.putArchive(tar, { path: dir });
    } catch (e) {
      throw fail(statusOf(e) === 404 ? `${path.posix.dirname(file)}: No such file or directory` : engineMessage(e));
    }
    // The upload lands in the container's own file system: a file system mounted over the
    // directory from inside hides it (exit 98); then the content goes through stdin instead.
    const r = await this.run(`[ -e ${quote(tmp)} ] || exit 98\n${commitScript(tmp, file, attributes)}`, undefined, options.become);
    if (r.rc === 98) return this.writeThroughStdin(file, tmp, bytes, attributes, options.become);
    if (r.rc !== 0) {
      // The writing user may not be allowed to remove what the engine put there: root does.
      await this.raw(['rm', '-f', '--', tmp], 'root').catch(() => {});
      throw fail(r.stderr.trim() || `rc=${String(r.rc)}`);
    }
  }

  /** The write as one script reading the content from stdin (for directories the upload cannot reach). */
  private async writeThroughStdin(file: string, tmp: string, bytes: Buffer, attributes: FileAttributes, become: Become | undefined): Promise<void> {
    const r = await this.run(writeFromStdinScript(tmp, file, attributes), bytes, become);
    if (r.rc !== 0) throw new Error(`writing ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
  }
}
