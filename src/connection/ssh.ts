/**
 * The SSH connection on ssh2: one TCP connection and handshake per host for the whole run; every
 * command is an exec channel on it, every file transfer goes over one SFTP channel (or, under
 * become, through sudo'd shell commands, since SFTP runs as the login user).
 */
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { type BecomeSession, BecomeWatcher, becomeSession } from './become-command.js';
import { parseStat, statScript } from './remote-stat.js';
import { Semaphore } from './semaphore.js';
import { PersistentShell } from './ssh-shell.js';
import { DialError, dial } from './ssh-dial.js';
import { MISSING_FILE_RC, chownCommand, commandScript, readFileScript, tempPathFor, writeFromStdinScript } from './remote-command.js';
import { quote } from './shell.js';
import type { SshOptions } from './ssh-options.js';
import { type Become, type Connection, type ExecOptions, type ExecResult, type FileAttributes, type FileOptions, type FileStat, UnreachableError } from './types.js';

interface RawResult {
  rc: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut?: boolean;
}

export class SshConnection implements Connection {
  readonly transport = 'ssh';
  private client: Client | undefined;
  private jumps: Client[] = [];
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private readonly sessions: Semaphore;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(
    readonly host: string,
    private readonly options: SshOptions,
  ) {
    this.sessions = new Semaphore(Math.max(1, options.maxSessions));
  }

  private get target(): string {
    const via = this.options.jumps.map((j) => `${j.user}@${j.address}:${j.port}`).join(' -> ');
    return `${this.options.user}@${this.options.address}:${this.options.port}${via ? ` (via ${via})` : ''}`;
  }

  /** Concurrent first uses share one handshake. */
  connect(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.dialWithRetries().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async dialWithRetries(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const session = await dial(this.options);
        this.adopt(session.client, session.jumps);
        return;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt >= this.options.retries || !(e instanceof DialError && e.retryable)) {
          throw new UnreachableError(this.host, `Failed to connect to the host via ssh: ${this.target}: ${msg}`, { cause: e });
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  private adopt(client: Client, jumps: Client[]): void {
    this.client = client;
    this.jumps = jumps;
    client.once('close', () => {
      if (this.client !== client) return;
      // The link dropped: the next command dials again (and fails as UNREACHABLE if the host is gone).
      this.client = undefined;
      this.dropLongLived();
      for (const j of jumps) j.end();
    });
  }

  /** The SFTP channel and the persistent shell hold session slots for as long as the link lives. */
  private longLivedSlots: Array<() => void> = [];

  private dropLongLived(): void {
    this.sftpChannel = undefined;
    this.shellChannel = undefined;
    for (const release of this.longLivedSlots.splice(0)) release();
  }

  private async longLivedSlot(): Promise<void> {
    this.longLivedSlots.push(await this.sessions.acquire());
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    const jumps = this.jumps;
    this.client = undefined;
    this.jumps = [];
    this.dropLongLived();
    if (client) {
      await new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        client.end();
        setTimeout(resolve, 1000).unref();
      });
    }
    for (const j of jumps.reverse()) j.end();
  }

  private async ready(): Promise<Client> {
    if (this.closed) throw new UnreachableError(this.host, `ssh connection to ${this.target} is closed`);
    if (!this.client) await this.connect();
    if (!this.client) throw new UnreachableError(this.host, `ssh connection to ${this.target} is not open`);
    return this.client;
  }

  /** Runs a shell script (not a user command) and collects its output as bytes. */
  private async run(script: string, stdin: Buffer | undefined, become: Become | undefined, timeoutMs?: number): Promise<RawResult> {
    const client = await this.ready();
    const session = become ? becomeSession(script, become) : undefined;
    const release = await this.sessions.acquire();
    try {
      const escalation = become && session ? { become, session } : undefined;
      return await this.openChannel(client, session?.command ?? `/bin/sh -c ${quote(script)}`, (channel) => this.collect(channel, stdin, escalation, timeoutMs));
    } finally {
      release();
    }
  }

  /**
   * Opens an exec channel and collects its result. sshd frees a session slot a moment after the
   * channel closes, so a refused open right after a close is retried briefly before the link is
   * declared broken.
   */
  private async openChannel(client: Client, command: string, collect: (channel: ClientChannel) => Promise<RawResult>): Promise<RawResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        // The collector attaches inside ssh2's callback: a short command's output, exit status and
        // close can arrive in the same read as the channel confirmation, before any await resumes.
        // (Boxed, so that awaiting the open does not also await the command.)
        const { result } = await new Promise<{ result: Promise<RawResult> }>((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve({ result: collect(ch) }))));
        return result;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt < 20 && /open failed/.test(msg)) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
          continue;
        }
        throw new UnreachableError(this.host, `ssh channel to ${this.target} failed: ${msg}`, { cause: e });
      }
    }
  }

  private collect(channel: ClientChannel, stdin: Buffer | undefined, escalation: { become: Become; session: BecomeSession } | undefined, timeoutMs?: number): Promise<RawResult> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      let err = '';
      let rc: number | null = null;
      let exited = false;
      let timedOut = false;
      const startInput = (): void => {
        if (stdin !== undefined) channel.write(stdin);
        channel.end();
      };
      const watcher = escalation ? new BecomeWatcher(escalation.session, escalation.become, { write: (d) => channel.write(d), end: () => channel.end() }, startInput) : undefined;
      channel.on('data', (d: Buffer) => void out.push(watcher ? watcher.stdout(d) : d));
      channel.stderr.on('data', (d: Buffer) => (err += watcher ? watcher.stderr(d) : d.toString('utf8')));
      channel.on('exit', (code: number | null) => {
        exited = true;
        rc = typeof code === 'number' ? code : null;
      });
      channel.on('close', () => {
        clearTimeout(timer);
        // A channel that closes without an exit status was torn down with the connection.
        if (!exited && !timedOut) return reject(new UnreachableError(this.host, `ssh connection to ${this.target} was lost while a command was running`));
        const stdout = watcher && !watcher.isStarted ? watcher.leftover() : Buffer.concat(out);
        const r: RawResult = { rc: timedOut ? null : rc, stdout, stderr: (watcher?.heldStderr() ?? '') + err };
        if (timedOut) r.timedOut = true;
        resolve(r);
      });
      const timer = timeoutMs ? setTimeout(() => {
        timedOut = true;
        channel.signal('KILL');
        channel.close();
      }, timeoutMs) : undefined;
      if (!watcher) startInput();
    });
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin);
    const r = await this.run(commandScript(command, options), stdin, options.become, options.timeoutMs);
    const result: ExecResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
    if (r.timedOut) result.timedOut = true;
    return result;
  }

  async stat(file: string, options: FileOptions & { follow?: boolean; checksum?: boolean } = {}): Promise<FileStat | null> {
    const script = statScript(file, Boolean(options.follow), Boolean(options.checksum));
    if (!options.become) {
      // Without become, on the open shell: no new session on the host for the commonest operation.
      const r = await (await this.shell()).run(script).catch(async (e: unknown) => {
        await new Promise((settle) => setTimeout(settle, 50)); // the link's close event may follow the channel's
        if (!this.client) throw new UnreachableError(this.host, `ssh connection to ${this.target} was lost while a command was running`, { cause: e });
        throw e;
      });
      if (r.rc !== 0) throw new Error(`stat ${file} on ${this.host} failed: ${r.output.toString('utf8').trim() || `rc=${String(r.rc)}`}`);
      return parseStat(file, r.output.toString('utf8'));
    }
    const r = await this.run(script, undefined, options.become);
    if (r.rc !== 0) throw new Error(`stat ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
    return parseStat(file, r.stdout.toString('utf8'));
  }

  private shellChannel: Promise<PersistentShell> | undefined;

  private shell(): Promise<PersistentShell> {
    const open = this.shellChannel;
    if (open) {
      // A shell whose channel closed (but not the link) is replaced.
      return open.then((sh) => (sh.isOpen ? sh : ((this.shellChannel = undefined), this.shell())));
    }
    const pending = (async () => {
      const client = await this.ready();
      await this.longLivedSlot();
      const channel = await new Promise<ClientChannel>((resolve, reject) => client.exec('/bin/sh', (err, ch) => (err ? reject(err) : resolve(ch))));
      return new PersistentShell(channel);
    })();
    this.shellChannel = pending;
    pending.catch(() => {
      if (this.shellChannel === pending) this.shellChannel = undefined;
    });
    return pending;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= (async () => {
      const client = await this.ready();
      // The SFTP channel lives for the whole run and holds one of the MaxSessions slots.
      await this.longLivedSlot();
      return new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    })();
    const pending = this.sftpChannel;
    pending.catch(() => {
      if (this.sftpChannel === pending) this.sftpChannel = undefined;
    });
    return pending;
  }

  async readFile(file: string, options: FileOptions = {}): Promise<Buffer | null> {
    if (options.become) {
      const r = await this.run(readFileScript(file), undefined, options.become);
      if (r.rc === MISSING_FILE_RC) return null;
      if (r.rc !== 0) throw new Error(`reading ${file} on ${this.host} failed: ${r.stderr.trim()}`);
      return r.stdout;
    }
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.readFile(file, (err, data) => {
        if (!err) resolve(data);
        else if ((err as { code?: unknown }).code === 2) resolve(null); // SSH_FX_NO_SUCH_FILE
        else reject(new Error(`reading ${file} on ${this.host} failed: ${err.message}`));
      }),
    );
  }

  async writeFile(file: string, data: Buffer | string, attributes: FileAttributes = {}, options: FileOptions = {}): Promise<void> {
    const tmp = tempPathFor(file);
    const mode = attributes.mode ?? 0o644;
    const chown = chownCommand(tmp, attributes);
    const bytes = Buffer.from(data);
    if (options.become) {
      const r = await this.run(writeFromStdinScript(tmp, file, attributes), bytes, options.become);
      if (r.rc !== 0) throw new Error(`writing ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
      return;
    }
    const sftp = await this.sftp();
    const call = (what: string, fn: (cb: (err?: Error | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => fn((err) => (err ? reject(new Error(`writing ${file} on ${this.host} failed: ${what}: ${err.message}`)) : resolve())));
    try {
      await call('write', (cb) => sftp.writeFile(tmp, bytes, { mode: 0o600, flag: 'wx' }, cb));
      await call('chmod', (cb) => sftp.chmod(tmp, mode, cb));
      if (chown) {
        const r = await this.run(chown, undefined, undefined);
        if (r.rc !== 0) throw new Error(`chown failed: ${r.stderr.trim()}`);
      }
      // posix-rename replaces the target atomically; plain SFTP rename refuses an existing target.
      await call('rename', (cb) => sftp.ext_openssh_rename(tmp, file, cb));
    } catch (e) {
      await call('cleanup', (cb) => sftp.unlink(tmp, cb)).catch(() => {});
      throw e;
    }
  }
}
