/** A command on the machine that runs the lab (pip, apt-get, dpkg-deb), its output line by line. */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  tail: string[];
}

/** Runs a command, handing each output line to onLine; keeps the last lines for error messages. */
export function runHostCommand(cmd: string, args: string[], onLine: (line: string) => void, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_PROGRESS_BAR: 'off', PYTHONUNBUFFERED: '1' }, ...(signal ? { signal } : {}) });
    const tail: string[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).replace(/\r$/, '');
          buf = buf.slice(i + 1);
          tail.push(line);
          if (tail.length > 40) tail.shift();
          onLine(line);
        }
      });
      stream.on('end', () => {
        if (buf) {
          tail.push(buf);
          onLine(buf);
        }
      });
    };
    feed(child.stdout);
    feed(child.stderr);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}
