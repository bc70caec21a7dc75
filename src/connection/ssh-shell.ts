/**
 * One long-lived `sh` on an exec channel, for the small read-only scripts modules issue most (stat):
 * each is a write to the open channel instead of a new SSH session, which costs the host an sshd
 * session and two or three processes. Scripts run one at a time, each in a subshell (so `exit`
 * ends only that script), and their output is framed by a random marker with the exit status.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';

interface Pending {
  resolve(result: { rc: number; output: Buffer }): void;
  reject(error: Error): void;
}

export class PersistentShell {
  private readonly marker = `__PLAYBOOK_DONE_${randomBytes(8).toString('hex')}`;
  private buffer = Buffer.alloc(0);
  private current: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed: Error | undefined;

  constructor(private readonly channel: ClientChannel) {
    channel.on('data', (d: Buffer) => this.onData(d));
    channel.stderr.on('data', () => {}); // scripts send stderr to stdout; the shell's own is noise
    channel.on('close', () => {
      this.closed = new Error('the persistent shell channel closed');
      this.current?.reject(this.closed);
      this.current = undefined;
    });
  }

  get isOpen(): boolean {
    return this.closed === undefined;
  }

  /** Runs a POSIX script (stdout and stderr together, no stdin) and resolves with its status and output. */
  run(script: string): Promise<{ rc: number; output: Buffer }> {
    const next = this.queue.then(() => this.runNow(script));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(script: string): Promise<{ rc: number; output: Buffer }> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.current = { resolve, reject };
      this.channel.write(`(\n${script}\n) </dev/null 2>&1; printf '\\n%s %d\\n' ${this.marker} $?\n`);
    });
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    const end = this.buffer.indexOf(`\n${this.marker} `, 0, 'latin1');
    if (end < 0) return;
    const newline = this.buffer.indexOf('\n', end + 1);
    if (newline < 0) return;
    const rc = Number(this.buffer.subarray(end + this.marker.length + 2, newline).toString('latin1'));
    const output = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(newline + 1);
    const done = this.current;
    this.current = undefined;
    done?.resolve({ rc, output });
  }

  close(): void {
    this.channel.end();
  }
}
