/**
 * A fluent container starter:
 *   new ContainerBuilder(image).withScope('lab').withName('lab-node1').withExposedPort(22)
 *     .withWaitStrategy(Wait.forSshBanner(22)).start()
 * Every container carries the managed and scope labels (start() refuses without a scope), so
 * removeScope(scope) finds it. Files given with withFile are in place before the first process runs.
 */
import type Docker from 'dockerode';
import { connectEngine, engineMessage } from './engine.js';
import { scopeLabels } from './labels.js';
import { StartedContainer, putFiles } from './started-container.js';
import type { TarEntry } from './tar.js';
import type { WaitStrategy } from './wait.js';

export interface Mount {
  type?: 'bind' | 'volume';
  /** Host path (bind) or volume name (volume). */
  source: string;
  target: string;
  readOnly?: boolean;
}

export interface NetworkAttachment {
  name: string;
  aliases?: string[];
  ipv4Address?: string;
}

export class ContainerBuilder {
  private name: string | undefined;
  private hostname: string | undefined;
  private scope: string | undefined;
  private labels: Record<string, string> = {};
  private readonly env: Record<string, string> = {};
  private readonly ports: number[] = [];
  private readonly networks: NetworkAttachment[] = [];
  private readonly mounts: Mount[] = [];
  private readonly tmpfs: Record<string, string> = {};
  private readonly capabilities: string[] = [];
  private readonly files: TarEntry[] = [];
  private shmSize: number | undefined;
  private privileged = false;
  private cgroupns: 'private' | 'host' | undefined;
  private stopSignal: string | undefined;
  private command: string[] | undefined;
  private entrypoint: string[] | undefined;
  private user: string | undefined;
  private waitStrategy: WaitStrategy | undefined;
  private startupTimeoutMs = 60_000;

  constructor(private readonly image: string) {}

  withName(name: string): this {
    this.name = name;
    return this;
  }

  withHostname(hostname: string): this {
    this.hostname = hostname;
    return this;
  }

  /** The scope whose removeScope() removes this container; required. */
  withScope(scope: string): this {
    this.scope = scope;
    return this;
  }

  withLabels(labels: Record<string, string>): this {
    this.labels = { ...this.labels, ...labels };
    return this;
  }

  withEnv(env: Record<string, string>): this {
    Object.assign(this.env, env);
    return this;
  }

  /** Publishes the container's TCP `port` on a free port of 127.0.0.1 (see mappedPort). */
  withExposedPort(...ports: number[]): this {
    this.ports.push(...ports);
    return this;
  }

  /** Attaches to a network (the first one at create, the others before start). */
  withNetwork(name: string, options: { aliases?: string[]; ipv4Address?: string } = {}): this {
    this.networks.push({ name, ...options });
    return this;
  }

  withMount(mount: Mount): this {
    this.mounts.push(mount);
    return this;
  }

  /** A tmpfs at `target`, with mount options such as 'size=64m,mode=1777'. */
  withTmpfs(target: string, options = ''): this {
    this.tmpfs[target] = options;
    return this;
  }

  /** Size of /dev/shm in bytes (NCCL and Ray want more than Docker's 64 MB). */
  withShmSize(bytes: number): this {
    this.shmSize = bytes;
    return this;
  }

  /** Linux capabilities to add, e.g. NET_ADMIN for iptables and ufw. */
  withCapabilities(...capabilities: string[]): this {
    this.capabilities.push(...capabilities);
    return this;
  }

  withPrivileged(privileged = true): this {
    this.privileged = privileged;
    return this;
  }

  /** The cgroup namespace: `private` gives the container a cgroup tree of its own (systemd as PID 1 wants it). */
  withCgroupns(mode: 'private' | 'host'): this {
    this.cgroupns = mode;
    return this;
  }

  /** The signal `docker stop` sends (systemd as PID 1 shuts down on SIGRTMIN+3). */
  withStopSignal(signal: string): this {
    this.stopSignal = signal;
    return this;
  }

  withCommand(argv: readonly string[]): this {
    this.command = [...argv];
    return this;
  }

  withEntrypoint(argv: readonly string[]): this {
    this.entrypoint = [...argv];
    return this;
  }

  withUser(user: string): this {
    this.user = user;
    return this;
  }

  /** A file copied in before start (absolute path; its directory must exist in the image). */
  withFile(path: string, data: string | Buffer, options: { mode?: number; uid?: number; gid?: number } = {}): this {
    this.files.push({ name: path, data, ...options });
    return this;
  }

  withWaitStrategy(strategy: WaitStrategy): this {
    this.waitStrategy = strategy;
    return this;
  }

  /** Deadline for start plus the wait strategy (default 60 s). */
  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }

  private createOptions(): Docker.ContainerCreateOptions {
    if (this.scope === undefined) throw new Error('ContainerBuilder: call withScope(scope) before start(), so that removeScope(scope) can clean the container up');
    const [first] = this.networks;
    const portKey = (p: number): string => `${p}/tcp`;
    return {
      Image: this.image,
      ...(this.name !== undefined ? { name: this.name } : {}),
      ...(this.hostname !== undefined ? { Hostname: this.hostname } : {}),
      ...(this.command ? { Cmd: this.command } : {}),
      ...(this.entrypoint ? { Entrypoint: this.entrypoint } : {}),
      ...(this.user !== undefined ? { User: this.user } : {}),
      ...(this.stopSignal !== undefined ? { StopSignal: this.stopSignal } : {}),
      Labels: scopeLabels(this.scope, this.labels),
      Env: Object.entries(this.env).map(([k, v]) => `${k}=${v}`),
      ExposedPorts: Object.fromEntries(this.ports.map((p) => [portKey(p), {}])),
      HostConfig: {
        PortBindings: Object.fromEntries(this.ports.map((p) => [portKey(p), [{ HostIp: '127.0.0.1', HostPort: '' }]])),
        Mounts: this.mounts.map((m) => ({ Type: m.type ?? 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false })),
        Tmpfs: this.tmpfs,
        CapAdd: this.capabilities,
        Privileged: this.privileged,
        ...(this.cgroupns !== undefined ? { CgroupnsMode: this.cgroupns } : {}),
        ...(this.shmSize !== undefined ? { ShmSize: this.shmSize } : {}),
        ...(first ? { NetworkMode: first.name } : {}),
      },
      ...(first ? { NetworkingConfig: { EndpointsConfig: { [first.name]: endpoint(first) } } } : {}),
    };
  }

  /** Creates, copies files in, attaches networks, starts, and waits until ready. */
  async start(docker?: Docker): Promise<StartedContainer> {
    const engine = docker ?? (await connectEngine());
    const options = this.createOptions();
    const deadline = Date.now() + this.startupTimeoutMs;
    let container: Docker.Container;
    try {
      container = await engine.createContainer(options);
    } catch (e) {
      throw new Error(`creating container ${this.name ?? `from ${this.image}`} failed: ${engineMessage(e)}`, { cause: e });
    }
    try {
      if (this.files.length > 0) await putFiles(container, this.files);
      for (const extra of this.networks.slice(1)) await engine.getNetwork(extra.name).connect({ Container: container.id, EndpointConfig: endpoint(extra) });
      await container.start();
      const started = new StartedContainer(engine, container, await container.inspect());
      if (this.waitStrategy) await this.waitStrategy.waitUntilReady(started, deadline);
      return started;
    } catch (e) {
      // A container that did not come up is removed at once; its log is in the error when it had one.
      await container.remove({ force: true, v: true }).catch(() => {});
      const why = e instanceof Error && !('statusCode' in e) ? e.message : engineMessage(e);
      throw new Error(`starting container ${this.name ?? container.id.slice(0, 12)} failed: ${why}`, { cause: e });
    }
  }
}

function endpoint(n: NetworkAttachment): Docker.EndpointSettings {
  return {
    ...(n.aliases ? { Aliases: n.aliases } : {}),
    ...(n.ipv4Address ? { IPAMConfig: { IPv4Address: n.ipv4Address } } : {}),
  };
}
