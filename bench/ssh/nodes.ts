/** The machines the SSH benchmark runs on: Debian containers with sshd, or local sshds for debugging. */
import { removeScope, startSshNodes } from '../../src/docker/index.js';
import { startLocalSshds } from './local-sshd.js';

export interface SshNode {
  name: string;
  host: string;
  port: number;
  user: string;
  /** `type base64`, as in known_hosts. */
  hostPublicKey: string;
}

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
    start: () => startSshNodes({ count: options.count, scope, authorizedKey: options.authorizedKey, onProgress: options.onProgress }),
    async remove() {
      await removeScope(scope);
    },
  };
}
