/**
 * The Docker engine's multiplexed stream (exec and attach without a TTY): frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian payload length) and the payload. Frames carry
 * exact lengths, so binary output comes through byte for byte.
 */

export type StreamKind = 'stdout' | 'stderr';

export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (kind: StreamKind, payload: Buffer) => void) {}

  /** Feeds bytes as they arrive; complete frames are handed on, a partial one waits for more. */
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) return;
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      // Type 0 (stdin) is never sent back; anything else than 2 is output.
      this.onFrame(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }

  /** Bytes of an unfinished frame at the end of the stream (a protocol error when not zero). */
  get leftover(): number {
    return this.pending.length;
  }
}
