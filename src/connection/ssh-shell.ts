/**
 * One long-lived `sh` on an exec channel. Running a script on it is a write to the open channel
 * instead of a new SSH session, which costs the host an sshd session, a login shell and two or
 * three processes (about 5 ms of its CPU against 1 ms here). Each script runs in a subshell, so
 * `exit`, `cd` and exports end with it, with stdin from /dev/null; its stdout and stderr stay
 * apart, each ended by a line with a random marker (stdout's carries the exit status).
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';

export interface ShellResult {
  /** The subshell's exit status (128 + N when a signal killed it). */
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Collects one stream up to the marker line `\n<marker> <status>\n`, scanning only the new bytes
 * (and a marker's length before them), so that large output stays linear.
 */
class FramedStream {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Where the marker line starts (at its leading newline), once seen. */
  private markAt = -1;
  done: { data: Buffer; status: number } | undefined;
  /** Bytes came after the marker line: something the script left running writes to the shell's output. */
  late = false;

  constructor(private readonly needle: Buffer) {}

  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.markAt = -1;
    this.done = undefined;
    this.late = false;
  }

  feed(chunk: Buffer): void {
    if (this.done) {
      this.late = true;
      return;
    }
    const before = this.size;
    if (this.markAt < 0) {
      const back = Math.min(before, this.needle.length - 1);
      const window = back > 0 ? Buffer.concat([this.lastBytes(back), chunk]) : chunk;
      const at = window.indexOf(this.needle);
      if (at >= 0) this.markAt = before - back + at;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.markAt < 0) return;
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [all];
    const statusAt = this.markAt + this.needle.length;
    const end = all.indexOf(0x0a, statusAt);
    if (end < 0) return;
    this.done = { data: all.subarray(0, this.markAt), status: Number(all.subarray(statusAt, end).toString('latin1')) };
    if (end + 1 < all.length) this.late = true;
  }

  private lastBytes(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    for (let i = this.chunks.length - 1; i >= 0 && need > 0; i--) {
      const c = this.chunks[i] as Buffer;
      const take = c.subarray(Math.max(0, c.length - need));
      parts.unshift(take);
      need -= take.length;
    }
    return Buffer.concat(parts);
  }
}

export class PersistentShell {
  private readonly marker = `__PLAYBOOK_DONE_${randomBytes(8).toString('hex')}`;
  private readonly out: FramedStream;
  private readonly err: FramedStream;
  private current: { resolve(r: ShellResult): void; reject(e: Error): void } | undefined;
  private closed: Error | undefined;
  private lateOutput = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly channel: ClientChannel) {
    const needle = Buffer.from(`\n${this.marker} `, 'latin1');
    this.out = new FramedStream(needle);
    this.err = new FramedStream(needle);
    channel.on('data', (d: Buffer) => this.onData(this.out, d));
    channel.stderr.on('data', (d: Buffer) => this.onData(this.err, d));
    channel.on('close', () => {
      this.closed = new Error('the shell channel closed');
      this.current?.reject(this.closed);
      this.current = undefined;
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  get isOpen(): boolean {
    return this.closed === undefined;
  }

  /**
   * Output arrived when no script was running (a process an earlier script started in the
   * background, writing to the output it inherited). Such a shell is retired, so that the output
   * cannot be taken for a later script's; its process keeps running.
   */
  get isTainted(): boolean {
    return this.lateOutput;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Runs a POSIX script; one at a time (the caller owns the shell while it runs). */
  run(script: string): Promise<ShellResult> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.current) return Promise.reject(new Error('the shell is already running a script'));
    this.out.reset();
    this.err.reset();
    return new Promise((resolve, reject) => {
      this.current = { resolve, reject };
      const m = this.marker;
      this.channel.write(`(\n${script}\n) </dev/null; printf '\\n%s %d\\n' ${m} $?; printf '\\n%s 0\\n' ${m} >&2\n`);
    });
  }

  private onData(stream: FramedStream, d: Buffer): void {
    if (!this.current) {
      this.lateOutput = true;
      return;
    }
    stream.feed(d);
    if (stream.late) this.lateOutput = true;
    this.settle();
  }

  private settle(): void {
    const out = this.out.done;
    const err = this.err.done;
    if (!out || !err || !this.current) return;
    const done = this.current;
    this.current = undefined;
    done.resolve({ rc: out.status, stdout: out.data, stderr: err.data });
  }

  /** Ends the shell's input: the shell exits; sshd closes the channel once nothing holds its output. */
  close(): void {
    this.channel.end();
  }
}
