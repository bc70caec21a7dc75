/**
 * One SSH link: the TCP connection and handshake (through any bastions) and the channels on it.
 * Inventory hosts whose settings are identical (aliases of one machine) share a link, as OpenSSH's
 * ControlMaster shares a master between them: the machine sees one handshake, not one per alias.
 *
 * Channels respect the server's MaxSessions: at most maxSessions are open at once. Scripts run on a
 * pool of persistent shells (ssh-shell.ts) when they need no stdin, no timeout and no become
 * password; the others get an exec channel each. One SFTP channel carries file transfers. The long
 * lived channels leave at least one slot free, so an exec channel can always open.
 */
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { type BecomeSession, BecomeWatcher, becomeSession } from './become-command.js';
import { Semaphore } from './semaphore.js';
import { PersistentShell } from './ssh-shell.js';
import { DialError, dial } from './ssh-dial.js';
import { quote } from '../python/shlex.js';
import type { SshOptions } from './ssh-options.js';
import { type Become, UnreachableError } from './types.js';

export interface ScriptResult {
  rc: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut?: boolean;
}

export interface ScriptOptions {
  stdin?: Buffer;
  become?: Become;
  timeoutMs?: number;
}

/** Errors name the inventory host that asked, not the link (several hosts may share it). */
export class SshLink {
  private client: Client | undefined;
  private jumps: Client[] = [];
  private connecting: Promise<void> | undefined;
  private readonly sessions: Semaphore;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private readonly shells: ShellPool;
  private closed = false;
  /** Connections using this link (SshLinks closes it when the last one lets go). */
  users = 0;

  constructor(readonly options: SshOptions) {
    const max = Math.max(1, Math.floor(options.maxSessions) || 1);
    this.sessions = new Semaphore(max);
    this.sftpAllowed = max >= 2;
    this.shells = new ShellPool(Math.max(0, max - 2), () => this.openShell());
  }

  /** Whether an SFTP channel may be held (it takes one of the MaxSessions slots for the whole run). */
  readonly sftpAllowed: boolean;

  get target(): string {
    const o = this.options;
    const via = o.jumps.map((j) => `${j.user}@${j.address}:${j.port}`).join(' -> ');
    return `${o.user}@${o.address}:${o.port}${via ? ` (via ${via})` : ''}`;
  }

  get isUp(): boolean {
    return this.client !== undefined;
  }

  /** Concurrent first uses share one handshake. */
  connect(host: string): Promise<void> {
    if (this.client) return Promise.resolve();
    if (this.closed) return Promise.reject(new UnreachableError(host, `ssh connection to ${this.target} is closed`));
    this.connecting ??= this.dialWithRetries().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting.catch((e: unknown) => {
      throw new UnreachableError(host, e instanceof Error ? e.message : String(e), { cause: e });
    });
  }

  private async dialWithRetries(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const session = await dial(this.options);
        if (this.closed) {
          session.client.end();
          for (const j of session.jumps) j.end();
          throw new Error('the connection was closed while it was being opened');
        }
        this.adopt(session.client, session.jumps);
        return;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt >= this.options.retries || !(e instanceof DialError && e.retryable)) {
          throw new Error(`Failed to connect to the host via ssh: ${this.target}: ${msg}`, { cause: e });
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
      this.sftpChannel = undefined;
      for (const j of jumps) j.end();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    const jumps = this.jumps;
    this.client = undefined;
    this.jumps = [];
    this.sftpChannel = undefined;
    if (client) {
      await new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        client.end();
        setTimeout(resolve, 1000).unref();
      });
    }
    for (const j of jumps.reverse()) j.end();
  }

  private async ready(host: string): Promise<Client> {
    if (this.closed) throw new UnreachableError(host, `ssh connection to ${this.target} is closed`);
    if (!this.client) await this.connect(host);
    if (!this.client) throw new UnreachableError(host, `ssh connection to ${this.target} is not open`);
    return this.client;
  }

  private lost(host: string, cause?: unknown): UnreachableError {
    return new UnreachableError(host, `ssh connection to ${this.target} was lost while a command was running`, { cause });
  }

  /**
   * Runs a shell script (not a user command line: callers build it) for `host`: on a pooled shell
   * when it can, else on its own exec channel.
   */
  async script(host: string, script: string, options: ScriptOptions = {}): Promise<ScriptResult> {
    const { stdin, become, timeoutMs } = options;
    const onShell = stdin === undefined && timeoutMs === undefined && become?.password === undefined && this.shells.capacity > 0;
    if (!onShell) return this.execChannel(host, script, options);
    await this.ready(host);
    const session = become ? becomeSession(script, become) : undefined;
    let r;
    try {
      r = await this.shells.use((sh) => sh.run(session?.command ?? script));
    } catch (e) {
      // No shell could be opened (a server allowing fewer sessions than we assume, say): the exec
      // channel retries and reports as it always does.
      if (e instanceof ShellOpenError) return this.execChannel(host, script, options);
      // A shell channel that closes mid-script usually means the link went: its close event may
      // follow the channel's by a moment.
      await new Promise((settle) => setTimeout(settle, 50));
      if (!this.client) throw this.lost(host, e);
      throw new Error(`a command on ${host} ended its shell: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (!session || !become) return { rc: r.rc, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
    // sudo/su read the empty stdin: without a password they ran only if none was needed.
    const watcher = new BecomeWatcher(session, become, { write: () => {}, end: () => {} }, () => {});
    const stdout = watcher.stdout(r.stdout);
    const stderr = watcher.stderr(r.stderr);
    return watcher.isStarted ? { rc: r.rc, stdout, stderr } : { rc: r.rc, stdout: watcher.leftover(), stderr: watcher.heldStderr() + stderr };
  }

  private async execChannel(host: string, script: string, { stdin, become, timeoutMs }: ScriptOptions): Promise<ScriptResult> {
    const client = await this.ready(host);
    const session = become ? becomeSession(script, become) : undefined;
    // Idle shells hold slots for nothing while an exec channel waits: one gives its slot up.
    const release = this.sessions.tryAcquire() ?? (this.shells.closeIdle(), await this.sessions.acquire());
    try {
      const escalation = become && session ? { become, session } : undefined;
      return await this.openChannel(host, client, session?.command ?? `/bin/sh -c ${quote(script)}`, (channel) => this.collect(host, channel, stdin, escalation, timeoutMs));
    } finally {
      release();
    }
  }

  /**
   * Opens an exec channel and collects its result. sshd frees a session slot a moment after the
   * channel closes, so a refused open right after a close is retried briefly before the link is
   * declared broken.
   */
  private async openChannel(host: string, client: Client, command: string, collect: (channel: ClientChannel) => Promise<ScriptResult>): Promise<ScriptResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        // The collector attaches inside ssh2's callback: a short command's output, exit status and
        // close can arrive in the same read as the channel confirmation, before any await resumes.
        // (Boxed, so that awaiting the open does not also await the command.)
        const { result } = await new Promise<{ result: Promise<ScriptResult> }>((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve({ result: collect(ch) }))));
        return result;
      } catch (e) {
        if (e instanceof UnreachableError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt < 20 && /open failed/.test(msg)) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
          continue;
        }
        throw new UnreachableError(host, `ssh channel to ${this.target} failed: ${msg}`, { cause: e });
      }
    }
  }

  private collect(host: string, channel: ClientChannel, stdin: Buffer | undefined, escalation: { become: Become; session: BecomeSession } | undefined, timeoutMs?: number): Promise<ScriptResult> {
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
        if (!exited && !timedOut) return reject(this.lost(host));
        const stdout = watcher && !watcher.isStarted ? watcher.leftover() : Buffer.concat(out);
        const r: ScriptResult = { rc: timedOut ? null : rc, stdout, stderr: (watcher?.heldStderr() ?? '') + err };
        if (timedOut) r.timedOut = true;
        resolve(r);
      });
      const timer = timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            channel.signal('KILL');
            channel.close();
          }, timeoutMs)
        : undefined;
      if (!watcher) startInput();
    });
  }

  /** A new persistent shell on its own channel, holding a session slot until it closes. */
  private async openShell(): Promise<PersistentShell> {
    const client = this.client;
    if (!client) throw new ShellOpenError('the link is down');
    const release = await this.sessions.acquire();
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => client.exec('/bin/sh', (err, ch) => (err ? reject(err) : resolve(ch))));
      const shell = new PersistentShell(channel);
      shell.onClose(release);
      return shell;
    } catch (e) {
      release();
      throw new ShellOpenError(e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /** The link's SFTP channel (opened on first use, held for the whole run). */
  async sftp(host: string): Promise<SFTPWrapper> {
    const client = await this.ready(host);
    if (!this.sftpChannel) {
      const pending = (async () => {
        const release = await this.sessions.acquire();
        try {
          const channel = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
          channel.once('close', () => {
            release();
            if (this.sftpChannel === pending) this.sftpChannel = undefined;
          });
          return channel;
        } catch (e) {
          release();
          throw e;
        }
      })();
      this.sftpChannel = pending;
      pending.catch(() => {
        if (this.sftpChannel === pending) this.sftpChannel = undefined;
      });
    }
    return this.sftpChannel;
  }
}

class ShellOpenError extends Error {
  override name = 'ShellOpenError';
}

/**
 * Up to `capacity` shells, opened on demand and lent to one script at a time; a script waits for a
 * shell when all are busy. A shell whose channel closed is dropped and its slot freed.
 */
class ShellPool {
  private readonly idle: PersistentShell[] = [];
  private open = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    private readonly openShell: () => Promise<PersistentShell>,
  ) {}

  /**
   * A shell that is closed or tainted leaves the pool at once (a new one may open in its place);
   * its session slot is freed when its channel closes.
   */
  private retire(shell: PersistentShell): void {
    if (this.retired.has(shell)) return;
    this.retired.add(shell);
    this.open--;
    shell.close();
  }

  private readonly retired = new WeakSet<PersistentShell>();

  /** Closes one idle shell (freeing its session slot once the channel has closed); false when none is idle. */
  closeIdle(): boolean {
    const shell = this.idle.pop();
    if (shell) this.retire(shell);
    return shell !== undefined;
  }

  async use<T>(work: (shell: PersistentShell) => Promise<T>): Promise<T> {
    const shell = await this.take();
    try {
      return await work(shell);
    } finally {
      if (shell.isOpen && !shell.isTainted) this.idle.push(shell);
      else this.retire(shell);
      this.waiting.shift()?.();
    }
  }

  private async take(): Promise<PersistentShell> {
    for (;;) {
      for (let shell = this.idle.pop(); shell; shell = this.idle.pop()) {
        if (shell.isOpen && !shell.isTainted) return shell;
        this.retire(shell);
      }
      if (this.open < this.capacity) {
        this.open++;
        try {
          const shell = await this.openShell();
          shell.onClose(() => {
            if (!this.retired.has(shell)) {
              this.retired.add(shell);
              this.open--;
            }
            this.waiting.shift()?.();
          });
          return shell;
        } catch (e) {
          this.open--;
          this.waiting.shift()?.();
          throw e;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}
