/**
 * A Connection that records every operation it passes on: a test can say how many round trips a
 * module or a fact costs (each exec, stat, readFile and writeFile is one), and which.
 */
import type { Connection, ExecOptions, ExecResult, FileAttributes, FileOptions, FileStat } from '../../src/connection/types.js';

export interface RecordedCall {
  op: 'exec' | 'stat' | 'readFile' | 'writeFile';
  /** The command (argv joined with spaces) or the path. */
  target: string;
}

export class RecordingConnection implements Connection {
  readonly calls: RecordedCall[] = [];

  constructor(private readonly inner: Connection) {}

  get host(): string {
    return this.inner.host;
  }

  get transport(): string {
    return this.inner.transport;
  }

  /** How many operations reached the host since the last reset. */
  get roundTrips(): number {
    return this.calls.length;
  }

  reset(): void {
    this.calls.length = 0;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ op: 'exec', target: typeof command === 'string' ? command : command.join(' ') });
    return this.inner.exec(command, options);
  }

  stat(path: string, options?: FileOptions & { follow?: boolean; checksum?: boolean; content?: boolean }): Promise<FileStat | null> {
    this.calls.push({ op: 'stat', target: path });
    return this.inner.stat(path, options);
  }

  readFile(path: string, options?: FileOptions): Promise<Buffer | null> {
    this.calls.push({ op: 'readFile', target: path });
    return this.inner.readFile(path, options);
  }

  writeFile(path: string, data: Buffer | string, attributes?: FileAttributes, options?: FileOptions): Promise<void> {
    this.calls.push({ op: 'writeFile', target: path });
    return this.inner.writeFile(path, data, attributes, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
