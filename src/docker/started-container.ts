/** A container that ContainerBuilder started: its ports and addresses, exec, files, logs, stop. */
import type Docker from 'dockerode';
import { StreamDemuxer } from './demux.js';
import { statusOf } from './engine.js';
import { execInContainer } from './exec.js';
import { type TarEntry, createTar } from './tar.js';
import type { WaitTarget } from './wait.js';

export interface ExecInContainerOptions {
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
}

export interface TextExecResult {
  rc: number | null;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export class StartedContainer implements WaitTarget {
  /** Published ports are bound to the loopback only. */
  readonly host = '127.0.0.1';

  constructor(
    readonly docker: Docker,
    readonly container: Docker.Container,
    private readonly info: Docker.ContainerInspectInfo,
  ) {}

  get id(): string {
    return this.info.Id;
  }

  get name(): string {
    return this.info.Name.replace(/^\//, '');
  }

  /** The host port published for the container's TCP `port` (withExposedPort). */
  mappedPort(port: number): number {
    const binding = this.info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    if (!binding) throw new Error(`container ${this.name} does not publish port ${port} (use withExposedPort(${port}))`);
    return Number(binding.HostPort);
  }

  /** The container's address on `network` (its first network when not named). */
  ipAddress(network?: string): string {
    const networks = this.info.NetworkSettings.Networks ?? {};
    const entry = network !== undefined ? networks[network] : Object.values(networks)[0];
    if (!entry?.IPAddress) throw new Error(`container ${this.name} has no address${network !== undefined ? ` on network ${network}` : ''}`);
    return entry.IPAddress;
  }

  endpoint(port: number): { host: string; port: number } {
    return this.info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0] ? { host: this.host, port: this.mappedPort(port) } : { host: this.ipAddress(), port };
  }

  /** Runs a command: an array as argv, a string through /bin/sh -c. */
  async exec(command: string | readonly string[], options: ExecInContainerOptions = {}): Promise<TextExecResult> {
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
    const { stdin, ...rest } = options;
    const r = await execInContainer(this.container, { ...rest, argv, ...(stdin !== undefined ? { stdin: Buffer.from(stdin) } : {}) });
    const out: TextExecResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
    if (r.timedOut) out.timedOut = true;
    return out;
  }

  /** Copies files into the container (absolute paths; existing parent directories). */
  async putFiles(entries: readonly TarEntry[]): Promise<void> {
    await putFiles(this.container, entries);
  }

  async isRunning(): Promise<boolean> {
    try {
      return (await this.container.inspect()).State.Running;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  /** The last `tail` lines of stdout and stderr, interleaved as written. */
  async logs(tail = 200): Promise<string> {
    try {
      const raw = await this.container.logs({ stdout: true, stderr: true, tail, follow: false });
      let text = '';
      const demux = new StreamDemuxer((_kind, payload) => (text += payload.toString('utf8')));
      demux.push(raw);
      return text;
    } catch (e) {
      return `(no log: ${e instanceof Error ? e.message : String(e)})`;
    }
  }

  /** Stops the container (SIGTERM, then SIGKILL after `timeoutSeconds`) and removes it unless `remove` is false. */
  async stop(options: { timeoutSeconds?: number; remove?: boolean } = {}): Promise<void> {
    const tolerate = (e: unknown): void => {
      // already stopped (304) or gone (404)
      if (statusOf(e) !== 304 && statusOf(e) !== 404) throw e;
    };
    await this.container.stop({ t: options.timeoutSeconds ?? 5 }).catch(tolerate);
    if (options.remove !== false) await this.container.remove({ force: true, v: true }).catch(tolerate);
  }
}

/** One archive per call, extracted at '/': entry names are the absolute paths without the leading '/'. */
export async function putFiles(container: Docker.Container, entries: readonly TarEntry[]): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const tar = createTar(entries.map((e) => ({ mtime: now, ...e, name: e.name.replace(/^\/+/, '') })));
  await container.putArchive(tar, { path: '/' });
}
