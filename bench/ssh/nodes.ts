/** The machines the SSH benchmark runs on: Debian containers with sshd, or local sshds for debugging. */
import { readFileSync } from 'node:fs';
import { removeScope, startSshNodes } from '../../src/docker/index.js';
import { type SshNode, startLocalSshds } from './local-sshd.js';

export type { SshNode };

export interface NodeSet {
  /** Starts the nodes; resolves when each one's sshd answers. */
  start(): Promise<SshNode[]>;
  /** Removes everything start() made, also after a start that failed half-way. Idempotent. */
  remove(): Promise<void>;
}

export interface NodeOptions {
  count: number;
  /** sshd processes on this machine instead of containers (debugging the benchmark). */
  local: boolean;
  /** A scratch directory for the local sshds' files. */
  dir: string;
  /**
   * Dial the containers' published loopback ports (through Docker's userland proxy, a process
   * that copies every byte and costs CPU of its own) instead of their addresses on the bridge.
   */
  publishedPorts: boolean;
  authorizedKey: string;
  onProgress: (message: string) => void;
}

export function nodeSet(options: NodeOptions): NodeSet {
  if (options.local) {
    let stop: (() => Promise<void>) | undefined;
    return {
      async start() {
        options.onProgress(`starting ${options.count} sshd processes on 127.0.0.1`);
        const s = await startLocalSshds(options.count, options.dir, options.authorizedKey);
        stop = s.stop;
        return s.nodes;
      },
      async remove() {
        await stop?.();
      },
    };
  }
  // One scope per run: removeScope() removes exactly this run's containers and network.
  const scope = `bench-ssh-${process.pid}-${Date.now().toString(36)}`;
  return {
    async start() {
      const nodes = await startSshNodes({ count: options.count, scope, authorizedKey: options.authorizedKey, onProgress: options.onProgress });
      return nodes.map((n) => ({ name: n.name, user: n.user, hostPublicKey: n.hostPublicKey, containerId: n.id, ...(options.publishedPorts ? { host: n.host, port: n.port } : { host: n.address, port: 22 }) }));
    },
    async remove() {
      await removeScope(scope);
    },
  };
}

/** Where Docker keeps a container's CPU usage: cgroup v1 (cpuacct, nanoseconds) or v2 (cpu.stat, microseconds). */
function cpuFile(id: string): { file: string; read: (text: string) => number } | undefined {
  const candidates = [
    { file: `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, read: (t: string) => Number(t.trim()) / 1e9 },
    { file: `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, read: (t: string) => Number(/usage_usec (\d+)/.exec(t)?.[1]) / 1e6 },
    { file: `/sys/fs/cgroup/docker/${id}/cpu.stat`, read: (t: string) => Number(/usage_usec (\d+)/.exec(t)?.[1]) / 1e6 },
  ];
  return candidates.find((c) => {
    try {
      return Number.isFinite(c.read(readFileSync(c.file, 'utf8')));
    } catch {
      return false;
    }
  });
}

/** CPU seconds the nodes' containers have used so far, summed; undefined where it cannot be read (local sshds, no cgroup access). */
export function nodesCpuSeconds(nodes: readonly SshNode[]): number | undefined {
  let total = 0;
  for (const n of nodes) {
    const source = n.containerId ? cpuFile(n.containerId) : undefined;
    if (!source) return undefined;
    total += source.read(readFileSync(source.file, 'utf8'));
  }
  return total;
}
