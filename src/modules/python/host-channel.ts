/**
 * The Node side of an action plugin's host connection (host_connection.py): the plugin's
 * exec_command, put_file and fetch_file arrive as JSON lines on a stream and run over playbook's
 * own connection to the host; each gets one answer line, in order.
 */
import type { Readable, Writable } from 'node:stream';
import type { ExecResult } from '../../connection/types.js';

/** What an action plugin may do on its task's host. */
export interface HostOperations {
  exec(command: string, options: { stdin?: Buffer; sudoable: boolean; cwd?: string }): Promise<ExecResult>;
  /** Copies a controller file to the host. */
  put(src: string, dest: string): Promise<void>;
  /** Copies a host file to the controller. */
  fetch(src: string, dest: string): Promise<void>;
}

interface Request {
  op?: unknown;
  cmd?: unknown;
  in_data?: unknown;
  sudoable?: unknown;
  cwd?: unknown;
  src?: unknown;
  dest?: unknown;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`the action plugin's ${what} is not a string`);
  return value;
}

async function answer(request: Request, host: HostOperations): Promise<Record<string, unknown>> {
  switch (request.op) {
    case 'exec': {
      const r = await host.exec(text(request.cmd, 'command'), {
        ...(typeof request.in_data === 'string' ? { stdin: Buffer.from(request.in_data, 'base64') } : {}),
        sudoable: request.sudoable !== false,
        ...(typeof request.cwd === 'string' ? { cwd: request.cwd } : {}),
      });
      return { rc: r.rc, stdout: r.stdout, stderr: r.stderr };
    }
    case 'put':
      await host.put(text(request.src, 'source path'), text(request.dest, 'destination path'));
      return {};
    case 'fetch':
      await host.fetch(text(request.src, 'source path'), text(request.dest, 'destination path'));
      return {};
    default:
      throw new Error(`unknown connection operation ${JSON.stringify(request.op)}`);
  }
}

/**
 * Answers the requests read from `input` on `output` until `input` ends. An operation that throws
 * is answered with its message (the plugin sees a connection failure).
 */
export function serveHostChannel(input: Readable, output: Writable, host: HostOperations): void {
  let buffered = '';
  // One request at a time, in order: the plugin waits for each answer anyway.
  let queue = Promise.resolve();
  const handle = (line: string): void => {
    queue = queue.then(async () => {
      let reply: Record<string, unknown>;
      try {
        reply = await answer(JSON.parse(line) as Request, host);
      } catch (e) {
        reply = { error: e instanceof Error ? e.message : String(e) };
      }
      if (!output.destroyed) output.write(`${JSON.stringify(reply)}\n`);
    });
  };
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) handle(line);
    }
  });
  // The process may end with the socket still open on our side.
  input.on('error', () => undefined);
  output.on('error', () => undefined);
}
