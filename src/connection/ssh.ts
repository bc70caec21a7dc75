/**
 * The SSH connection on ssh2: one link (TCP connection and handshake) per machine for the whole
 * run, shared by the inventory hosts that reach it with identical settings (ssh-link.ts). Scripts
 * run on the link's persistent shells or exec channels; file transfers go over its SFTP channel
 * (or, under become, through sudo'd shell commands, since SFTP runs as the login user).
 */
import type { SFTPWrapper } from 'ssh2';
import { parseStat, statScript } from './remote-stat.js';
import { type ScriptOptions, type ScriptResult, SshLink } from './ssh-link.js';
import { MISSING_FILE_RC, commandScript, commitScript, readFileScript, tempPathFor, writeFromStdinScript } from './remote-command.js';
import type { SshOptions } from './ssh-options.js';
import type { Connection, ExecOptions, ExecResult, FileAttributes, FileOptions, FileStat, StatOptions } from './types.js';
import { UnreachableError } from './types.js';

/**
 * The links of one run, by their complete settings: hosts whose options are all equal (address,
 * port, user, keys, password, bastions, host key policy...) share one, as OpenSSH's ControlPath
 * (%C: host, port, user) makes aliases share a master.
 */
export class SshLinks {
  private readonly byKey = new Map<string, SshLink>();

  acquire(options: SshOptions): SshLink {
    const key = JSON.stringify(options);
    let link = this.byKey.get(key);
    if (!link) this.byKey.set(key, (link = new SshLink(options)));
    link.users++;
    return link;
  }

  async release(link: SshLink): Promise<void> {
    if (--link.users > 0) return;
    this.byKey.delete(JSON.stringify(link.options));
    await link.close();
  }
}

export class SshConnection implements Connection {
  readonly transport = 'ssh';
  private readonly link: SshLink;
  private closed = false;

  /** Without `links`, the connection has a link of its own. */
  constructor(
    readonly host: string,
    options: SshOptions,
    private readonly links: SshLinks = new SshLinks(),
  ) {
    this.link = links.acquire(options);
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new UnreachableError(this.host, `ssh connection to ${this.link.target} is closed`));
    return this.link.connect(this.host);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.links.release(this.link);
  }

  private run(script: string, options: ScriptOptions = {}): Promise<ScriptResult> {
    if (this.closed) return Promise.reject(new UnreachableError(this.host, `ssh connection to ${this.link.target} is closed`));
    return this.link.script(this.host, script, options);
  }

  private sftp(): Promise<SFTPWrapper> | undefined {
    if (this.closed) return Promise.reject(new UnreachableError(this.host, `ssh connection to ${this.link.target} is closed`));
    return this.link.sftpAllowed ? this.link.sftp(this.host) : undefined;
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.run(commandScript(command, options), {
      ...(options.stdin !== undefined && { stdin: Buffer.from(options.stdin) }),
      ...(options.become && { become: options.become }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    });
    const result: ExecResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
    if (r.timedOut) result.timedOut = true;
    return result;
  }

  async stat(file: string, options: StatOptions = {}): Promise<FileStat | null> {
    // Without become, the content comes over SFTP at the same time as the stat (same latency, and
    // no `cat` process on the host); under become only the shell can read it.
    const sftp = options.content && !options.become ? this.sftp() : undefined;
    const content = sftp ? this.readOverSftp(sftp, file).catch(() => undefined) : undefined;
    const r = await this.run(statScript(file, Boolean(options.follow), Boolean(options.checksum), Boolean(options.content) && !sftp), options.become ? { become: options.become } : {});
    if (r.rc !== 0) throw new Error(`stat ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
    const stat = parseStat(file, r.stdout);
    // SFTP follows links: its bytes are this path's content only when the stat says regular file.
    const bytes = await content;
    if (stat?.type === 'file' && bytes) stat.content = bytes;
    return stat;
  }

  private async readOverSftp(sftp: Promise<SFTPWrapper>, file: string): Promise<Buffer | null> {
    const channel = await sftp;
    return new Promise((resolve, reject) =>
      channel.readFile(file, (err, data) => {
        if (!err) resolve(data);
        else if ((err as { code?: unknown }).code === 2) resolve(null); // SSH_FX_NO_SUCH_FILE
        else reject(new Error(`reading ${file} on ${this.host} failed: ${err.message}`));
      }),
    );
  }

  async readFile(file: string, options: FileOptions = {}): Promise<Buffer | null> {
    const sftp = options.become ? undefined : this.sftp();
    if (!sftp) {
      const r = await this.run(readFileScript(file), options.become ? { become: options.become } : {});
      if (r.rc === MISSING_FILE_RC) return null;
      if (r.rc !== 0) throw new Error(`reading ${file} on ${this.host} failed: ${r.stderr.trim()}`);
      return r.stdout;
    }
    return this.readOverSftp(sftp, file);
  }

  async writeFile(file: string, data: Buffer | string, attributes: FileAttributes = {}, options: FileOptions = {}): Promise<void> {
    const tmp = tempPathFor(file);
    const bytes = Buffer.from(data);
    const sftp = options.become ? undefined : this.sftp();
    if (!sftp) {
      const r = await this.run(writeFromStdinScript(tmp, file, attributes), { stdin: bytes, ...(options.become && { become: options.become }) });
      if (r.rc !== 0) throw new Error(`writing ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
      return;
    }
    const channel = await sftp;
    const call = (what: string, fn: (cb: (err?: Error | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => fn((err) => (err ? reject(new Error(`writing ${file} on ${this.host} failed: ${what}: ${err.message}`)) : resolve())));
    try {
      await call('write', (cb) => channel.writeFile(tmp, bytes, { mode: 0o600, flag: 'wx' }, cb));
    } catch (e) {
      await call('cleanup', (cb) => channel.unlink(tmp, cb)).catch(() => {});
      throw e;
    }
    // One command settles the temp file and renames it (mv is rename(2), atomic): SFTP alone
    // cannot copy the old file's ACL and extended attributes onto the new one.
    const r = await this.run(commitScript(tmp, file, attributes));
    if (r.rc !== 0) throw new Error(`writing ${file} on ${this.host} failed: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
  }
}
