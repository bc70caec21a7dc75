/**
 * The engine's progress streams (build, import): one JSON object a line. An `error` object in the
 * stream is how a failed build reports itself (the HTTP status is still 200), so it rejects here.
 */

export interface EngineMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

export function followJsonStream(stream: NodeJS.ReadableStream, onMessage: (m: EngineMessage) => void = () => {}): Promise<EngineMessage[]> {
  return new Promise((resolve, reject) => {
    const all: EngineMessage[] = [];
    let buf = '';
    let failed: Error | undefined;
    const line = (text: string): void => {
      const t = text.trim();
      if (!t) return;
      let m: EngineMessage;
      try {
        m = JSON.parse(t) as EngineMessage;
      } catch {
        m = { stream: t + '\n' };
      }
      all.push(m);
      if (m.error !== undefined || m.errorDetail?.message !== undefined) failed ??= new Error(m.errorDetail?.message ?? m.error);
      onMessage(m);
    };
    stream.on('data', (d: Buffer | string) => {
      buf += d.toString();
      let at: number;
      while ((at = buf.indexOf('\n')) >= 0) {
        line(buf.slice(0, at));
        buf = buf.slice(at + 1);
      }
    });
    stream.once('error', reject);
    stream.once('end', () => {
      line(buf);
      if (failed) reject(failed);
      else resolve(all);
    });
  });
}
