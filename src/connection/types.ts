/**
 * How the engine reaches a host. One Connection per host for the whole run; modules use only
 * these five operations, so the same module runs over local, ssh and docker connections.
 */

/** Privilege escalation for one operation (applied by SSH-capable connections). */
export interface Become {
  method: 'sudo' | 'su';
  user: string;
  /** Fed on stdin, never on a command line. */
  password?: string;
}

export interface ExecOptions {
  /** Bytes or text written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  cwd?: string;
  /** Added to the remote environment (task `environment:`). */
  env?: Record<string, string>;
  timeoutMs?: number;
  become?: Become;
  /** Shell for a string command; default /bin/sh. */
  executable?: string;
}

export interface ExecResult {
  /** Exit code; null when killed by a signal or timeout. */
  rc: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command did not finish in timeoutMs. */
  timedOut?: boolean;
}

/** What stat(2)/lstat(2) say about a path. */
export interface FileStat {
  path: string;
  type: 'file' | 'directory' | 'link' | 'block' | 'char' | 'fifo' | 'socket';
  /** Permission bits including setuid/setgid/sticky (e.g. 0o755). */
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  /** Seconds since the epoch, with fractions. */
  mtime: number;
  atime: number;
  ctime: number;
  inode: number;
  dev: number;
  nlink: number;
  /** For links: the target as written. */
  linkTarget?: string;
  /** sha1 of the content, when asked for and the path is a regular file. */
  checksum?: string;
  /**
   * The bytes of a regular file, when asked for (`content`): read in the same round trip as the
   * stat. A connection may leave it out; callers then read the file.
   */
  content?: Buffer;
}

export interface FileAttributes {
  mode?: number;
  owner?: string;
  group?: string;
}

export interface FileOptions {
  become?: Become;
}

export interface StatOptions extends FileOptions {
  /** stat(2) (follow links) instead of lstat(2). */
  follow?: boolean;
  /** Also the sha1 of a regular file's content. */
  checksum?: boolean;
  /** Also a regular file's bytes, in the same round trip (the file editors read and stat at once). */
  content?: boolean;
}

export interface Connection {
  /** The inventory host this connection reaches. */
  readonly host: string;
  /** The transport, as Ansible names it: 'local', 'ssh', 'docker'. */
  readonly transport: string;
  connect(): Promise<void>;
  /**
   * Runs a command. An array runs without a shell (argv); a string runs through /bin/sh -c
   * (or `executable`).
   */
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** lstat (follow=false) or stat; null when the path does not exist. */
  stat(path: string, options?: StatOptions): Promise<FileStat | null>;
  /** The file's bytes; null when it does not exist. */
  readFile(path: string, options?: FileOptions): Promise<Buffer | null>;
  /**
   * Writes a file atomically: a temp file in the same directory gets the content, mode and
   * owner, then is renamed over the path. An interruption never leaves a half-written file.
   */
  writeFile(path: string, data: Buffer | string, attributes?: FileAttributes, options?: FileOptions): Promise<void>;
  close(): Promise<void>;
}

/** Errors that make a host UNREACHABLE (not FAILED). */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
