/**
 * The SSH connection on ssh2: one TCP connection and handshake per host for the whole run; every
 * command is an exec channel on it, every file transfer goes over one SFTP channel (or, under
 * become, through sudo'd shell commands, since SFTP runs as the login user).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, type AuthenticationType, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { checkKnownHosts, fingerprint, hostEntryName, keyType, readKnownHosts } from './known-hosts.js';
import { parseStat, statScript } from './remote-stat.js';
import { Semaphore } from './semaphore.js';
import { quote, quoteArgv } from './shell.js';
import type { SshOptions } from './ssh-options.js';
import { type Become, type Connection, type ExecOptions, type ExecResult, type FileAttributes, type FileOptions, type FileStat, UnreachableError } from './types.js';

interface RawResult {
  rc: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut?: boolean;
}

/** Errors worth another connect attempt: the server may be booting or briefly overloaded. */
const RETRYABLE = /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|Timed out while waiting for handshake|Connection lost before handshake/;

export class SshConnection implements Connection {
  readonly transport = 'ssh';
  private client: Client | undefined;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private readonly sessions: Semaphore;
  private hostKeyProblem: string | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(
    readonly host: string,
    private readonly options: SshOptions,
  ) {
    this.sessions = new Semaphore(Math.max(1, options.maxSessions));
  }

  private get target(): string {
    return `${this.options.user}@${this.options.address}:${this.options.port}`;
  }

  /** Concurrent first uses share one handshake. */
  connect(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.dial().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async dial(): Promise<void> {
    const known = this.options.hostKeyChecking ? await readKnownHosts(this.options.knownHostsFiles) : [];
    const keys: Buffer[] = [];
    for (const f of this.options.keyFiles) {
      try {
        keys.push(await readFile(f));
      } catch {
        // default key files that do not exist are simply not offered
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        this.client = await this.handshake(known, keys);
        return;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt >= this.options.retries || !RETRYABLE.test(msg) || this.hostKeyProblem) {
          throw new UnreachableError(this.host, `Failed to connect to the host via ssh: ${this.target}: ${this.hostKeyProblem ?? msg}`, { cause: e });
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  private handshake(known: string[], keys: Buffer[]): Promise<Client> {
    const { address, port, user, password, agent } = this.options;
    const methods: Array<AuthenticationType | Record<string, unknown>> = [];
    for (const key of keys) methods.push({ type: 'publickey', username: user, key });
    if (agent) methods.push({ type: 'agent', username: user, agent });
    if (password !== undefined) {
      methods.push({ type: 'password', username: user, password });
      methods.push({ type: 'keyboard-interactive', username: user, prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) => finish(prompts.map(() => password)) });
    }
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => {
        client.removeListener('error', reject);
        // After the handshake an error means the link dropped; commands in flight report it.
        client.on('error', () => {});
        client.once('close', () => {
          if (this.client === client) this.client = undefined;
          this.sftpChannel = undefined;
        });
        resolve(client);
      });
      client.once('error', (e) => {
        client.end();
        reject(e);
      });
      client.connect({
        host: address,
        port,
        username: user,
        readyTimeout: this.options.connectTimeoutMs,
        keepaliveInterval: this.options.keepaliveMs,
        keepaliveCountMax: 3,
        authHandler: methods as never,
        hostVerifier: (key: Buffer): boolean => this.verifyHostKey(known, key),
      });
    });
  }

  private verifyHostKey(known: string[], key: Buffer): boolean {
    if (!this.options.hostKeyChecking) return true;
    const verdict = checkKnownHosts(known, this.options.address, this.options.port, key);
    const what = `${keyType(key)} key fingerprint is ${fingerprint(key)}`;
    const name = hostEntryName(this.options.address, this.options.port);
    if (verdict === 'match') return true;
    if (verdict === 'unknown') this.hostKeyProblem = `host key verification failed: ${name} is not in known_hosts (${what}); add it with ssh-keyscan or set ansible_host_key_checking=false`;
    else if (verdict === 'changed') this.hostKeyProblem = `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The ${what}, which differs from the key recorded for ${name} in known_hosts; someone could be intercepting the connection. Refusing to connect`;
    else this.hostKeyProblem = `host key for ${name} is marked as revoked in known_hosts (${what})`;
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.sftpChannel = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
      setTimeout(resolve, 1000).unref();
    });
  }

  private async ready(): Promise<Client> {
    if (this.closed) throw new UnreachableError(this.host, `ssh connection to ${this.target} is closed`);
    if (!this.client) await this.connect();
    if (!this.client) throw new UnreachableError(this.host, `ssh connection to ${this.target} is not open`);
    return this.client;
  }

  /** The remote command line: the shell script runs under sh, then under sudo when asked. */
  private commandLine(script: string, become: Become | undefined, marker: string | undefined): string {
    if (!become) return `/bin/sh -c ${quote(script)}`;
    const inner = marker ? `echo ${marker}; ${script}` : script;
    const prompt = marker ? `[sudo via playbook, key=${marker}] password:` : '';
    return `sudo -H -S -p ${quote(prompt)} -u ${quote(become.user)} /bin/sh -c ${quote(inner)}`;
  }

  /** Runs a shell script (not a user command) and collects its output as bytes. */
  private async run(script: string, stdin: Buffer | undefined, become: Become | undefined, timeoutMs?: number): Promise<RawResult> {
    const client = await this.ready();
    // With become, sudo may or may not ask for the password (NOPASSWD, cached); a marker echoed by
    // the command tells us sudo is done, so the password is written only when prompted and the
    // command's own stdin never receives it.
    const marker = become ? `BECOME-SUCCESS-${randomBytes(8).toString('hex')}` : undefined;
    const release = await this.sessions.acquire();
    try {
      const channel = await this.openChannel(client, this.commandLine(script, become, marker));
      return await this.collect(channel, stdin, become, marker, timeoutMs);
    } finally {
      release();
    }
  }

  /**
   * sshd frees a session slot a moment after the channel closes, so a refused open right after a
   * close is retried briefly before the link is declared broken.
   */
  private async openChannel(client: Client, command: string): Promise<ClientChannel> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<ClientChannel>((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
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

  private collect(channel: ClientChannel, stdin: Buffer | undefined, become: Become | undefined, marker: string | undefined, timeoutMs?: number): Promise<RawResult> {
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      let err = '';
      let rc: number | null = null;
      let timedOut = false;
      let started = !marker;
      let prompted = 0;
      const startInput = (): void => {
        if (stdin !== undefined) channel.write(stdin);
        channel.end();
      };
      channel.on('data', (d: Buffer) => {
        if (started) return void out.push(d);
        out.push(d);
        const text = Buffer.concat(out).toString('latin1');
        const at = marker ? text.indexOf(marker + '\n') : -1;
        if (at < 0) return;
        const rest = Buffer.concat(out).subarray(at + (marker?.length ?? 0) + 1);
        out.length = 0;
        out.push(rest);
        started = true;
        startInput();
      });
      channel.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
        if (!marker || started) return;
        const prompt = `[sudo via playbook, key=${marker}] password:`;
        while (err.includes(prompt)) {
          err = err.replace(prompt, '');
          prompted++;
          // No password, or a wrong one asked for again: end stdin so sudo fails instead of waiting.
          if (become?.password === undefined || prompted > 1) channel.end();
          else channel.write(`${become.password}\n`);
        }
      });
      channel.on('exit', (code: number | null) => {
        rc = typeof code === 'number' ? code : null;
      });
      channel.on('close', () => {
        clearTimeout(timer);
        const r: RawResult = { rc: timedOut ? null : rc, stdout: Buffer.concat(out), stderr: err };
        if (timedOut) r.timedOut = true;
        resolve(r);
      });
      const timer = timeoutMs ? setTimeout(() => {
        timedOut = true;
        channel.signal('KILL');
        channel.close();
      }, timeoutMs) : undefined;
      if (started) startInput();
    });
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const body = typeof command === 'string' ? `${quote(options.executable ?? '/bin/sh')} -c ${quote(command)}` : quoteArgv(command);
    const prefix: string[] = [];
    if (options.cwd !== undefined) prefix.push(`cd ${quote(options.cwd)} || exit 1`);
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) prefix.push(`${k}=${quote(v)}; export ${k}`);
    }
    const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin);
    const r = await this.run([...prefix, `exec ${body}`].join('\n'), stdin, options.become, options.timeoutMs);
    const result: ExecResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
    if (r.timedOut) result.timedOut = true;
    return result;
  }

  async stat(file: string, options: FileOptions & { follow?: boolean; checksum?: boolean } = {}): Promise<FileStat | null> {
    const r = await this.run(statScript(file, Boolean(options.follow), Boolean(options.checksum)), undefined, options.become);
    if (r.rc !== 0) throw new Error(`stat ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
    return parseStat(file, r.stdout.toString('utf8'));
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= (async () => {
      const client = await this.ready();
      // The SFTP channel lives for the whole run and holds one of the MaxSessions slots.
      await this.sessions.acquire();
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
      const r = await this.run(`if [ ! -e ${quote(file)} ]; then exit 99; fi\nexec cat -- ${quote(file)}`, undefined, options.become);
      if (r.rc === 99) return null;
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
    const tmp = path.posix.join(path.posix.dirname(file), `.${path.posix.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    const mode = (attributes.mode ?? 0o644).toString(8);
    const chown = attributes.owner !== undefined || attributes.group !== undefined ? `chown -- ${quote(`${attributes.owner ?? ''}${attributes.group !== undefined ? ':' + attributes.group : ''}`)} ${quote(tmp)}` : undefined;
    const bytes = Buffer.from(data);
    if (options.become) {
      const script = [`umask 077`, `cat > ${quote(tmp)} && chmod ${mode} ${quote(tmp)}${chown ? ` && ${chown}` : ''} && mv -f -- ${quote(tmp)} ${quote(file)} || { rc=$?; rm -f -- ${quote(tmp)}; exit $rc; }`].join('\n');
      const r = await this.run(script, bytes, options.become);
      if (r.rc !== 0) throw new Error(`writing ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
      return;
    }
    const sftp = await this.sftp();
    const call = (what: string, fn: (cb: (err?: Error | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => fn((err) => (err ? reject(new Error(`writing ${file} on ${this.host} failed: ${what}: ${err.message}`)) : resolve())));
    try {
      await call('write', (cb) => sftp.writeFile(tmp, bytes, { mode: 0o600, flag: 'wx' }, cb));
      await call('chmod', (cb) => sftp.chmod(tmp, parseInt(mode, 8), cb));
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
