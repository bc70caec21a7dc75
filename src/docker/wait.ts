/**
 * Wait strategies: when a started container counts as ready. Each polls a real condition until a
 * deadline (never a fixed sleep), and fails early, with the container's logs, when it exits.
 */
import { Socket } from 'node:net';

/** What a strategy needs from a started container. */
export interface WaitTarget {
  readonly name: string;
  /** Where the host reaches the container's `port`: the published port, else the container's address. */
  endpoint(port: number): { host: string; port: number };
  exec(command: readonly string[]): Promise<{ rc: number | null; stdout: string; stderr: string }>;
  isRunning(): Promise<boolean>;
  logs(tail?: number): Promise<string>;
}

export interface WaitStrategy {
  /** For messages: "SSH banner on port 22". */
  readonly description: string;
  /** Resolves when ready; rejects at `deadline` (epoch ms) or when the container stops. */
  waitUntilReady(target: WaitTarget, deadline: number): Promise<void>;
}

/** Polls `probe` with a growing pause (25 ms up to 500 ms) until it is true or the deadline passes. */
async function poll(target: WaitTarget, deadline: number, description: string, probe: () => Promise<boolean>): Promise<void> {
  const exited = async (): Promise<Error> => new Error(`container ${target.name} exited while waiting for ${description}; its log:\n${await target.logs(40)}`);
  for (let attempt = 0; ; attempt++) {
    let ready: boolean;
    try {
      ready = await probe();
    } catch (e) {
      // A container that exited at once has no address to probe: say that it exited, with its log.
      if (!(await target.isRunning())) throw await exited();
      throw e;
    }
    if (ready) return;
    if (!(await target.isRunning())) throw await exited();
    if (Date.now() >= deadline) throw new Error(`container ${target.name}: still waiting for ${description} at the startup deadline; its log:\n${await target.logs(40)}`);
    await new Promise((r) => setTimeout(r, Math.min(500, 25 * 2 ** attempt, Math.max(0, deadline - Date.now()))));
  }
}

/** The first line the server sends on a fresh TCP connection, or undefined (refused, closed, silent). */
export function readBanner(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let text = '';
    const done = (value: string | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(Math.max(50, timeoutMs), () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(text || undefined));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const eol = text.indexOf('\n');
      if (eol >= 0) done(text.slice(0, eol).replace(/\r$/, ''));
    });
    socket.connect(port, host);
  });
}

/** The LISTEN sockets in /proc/net/tcp{,6} text, as port numbers. */
export function listeningPorts(procNetTcp: string): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n')) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state === '0A' && local) ports.add(parseInt(local.split(':').pop() ?? '', 16));
  }
  return ports;
}

export const Wait = {
  /** An SSH server answers: a TCP connection gets the "SSH-2.0-" identification line. */
  forSshBanner(port = 22): WaitStrategy {
    const description = `SSH banner on port ${port}`;
    return {
      description,
      waitUntilReady: (target, deadline) =>
        poll(target, deadline, description, async () => {
          const { host, port: hostPort } = target.endpoint(port);
          return (await readBanner(host, hostPort, Math.min(2000, deadline - Date.now())))?.startsWith('SSH-2.0-') ?? false;
        }),
    };
  },

  /**
   * Something inside listens on `port` (read from the container's /proc/net/tcp, since a published
   * port accepts connections on the host side before anything listens inside).
   */
  forListeningPort(port: number): WaitStrategy {
    const description = `a listener on port ${port}`;
    return {
      description,
      waitUntilReady: (target, deadline) =>
        poll(target, deadline, description, async () => {
          const r = await target.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
          return listeningPorts(r.stdout).has(port);
        }),
    };
  },

  /** A line of the container's log matches. */
  forLogMessage(pattern: RegExp): WaitStrategy {
    const description = `a log line matching ${String(pattern)}`;
    return { description, waitUntilReady: (target, deadline) => poll(target, deadline, description, async () => pattern.test(await target.logs())) };
  },

  /** All of the strategies, one after another, under the same deadline. */
  all(...strategies: WaitStrategy[]): WaitStrategy {
    return {
      description: strategies.map((s) => s.description).join(' and '),
      async waitUntilReady(target, deadline) {
        for (const s of strategies) await s.waitUntilReady(target, deadline);
      },
    };
  },
};
