/**
 * SSH nodes for the benchmark and tests: containers of the sshd node image on one private network,
 * each with its own host key, the caller's public key authorized for the `playbook` user, and sshd
 * published on a loopback port. removeScope(scope) removes all of it.
 */
import type Docker from 'dockerode';
import { ContainerBuilder } from './container.js';
import { connectEngine } from './engine.js';
import { checkScope, removeScope } from './labels.js';
import { createNetwork } from './resources.js';
import { HOST_KEY_PUB, NODE_UID, NODE_USER, ensureSshdImage } from './sshd-image.js';
import { Wait } from './wait.js';

export { removeScope };

export interface SshNode {
  /** The container name (also usable with ansible_connection=docker). */
  name: string;
  host: '127.0.0.1';
  /** The loopback port published for the node's sshd. */
  port: number;
  user: typeof NODE_USER;
  /** "ssh-ed25519 AAAA…", the node's own host key, for known_hosts. */
  hostPublicKey: string;
  /** The container's own address on the nodes' network: sshd answers on port 22 there, without Docker's port proxy in between. */
  address: string;
  /** The container's ID (its cgroup, for CPU accounting). */
  id: string;
}

export interface SshNodesOptions {
  count: number;
  /** Labels every resource; also the prefix of container and network names. */
  scope: string;
  /** One or more OpenSSH public key lines, authorized for the `playbook` user. */
  authorizedKey: string;
  onProgress?: (line: string) => void;
  /** Deadline per node for sshd to answer (default 60 s). */
  startupTimeoutMs?: number;
  docker?: Docker;
}

/** The known_hosts line for a node: `[127.0.0.1]:<port> <key>`. */
export function knownHostsLine(node: Pick<SshNode, 'host' | 'port' | 'hostPublicKey'>): string {
  return `[${node.host}]:${node.port} ${node.hostPublicKey}`;
}

/** Builds (or reuses) the images, then starts `count` nodes in parallel and waits for their sshd. */
export async function startSshNodes(options: SshNodesOptions): Promise<SshNode[]> {
  const scope = checkScope(options.scope);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`startSshNodes: count must be a positive integer, not ${options.count}`);
  const key = options.authorizedKey.trim();
  if (!/^(ssh-|ecdsa-|sk-)/m.test(key)) throw new Error('startSshNodes: authorizedKey must be an OpenSSH public key line ("ssh-ed25519 AAAA…")');
  const onProgress = options.onProgress ?? (() => {});
  const docker = options.docker ?? (await connectEngine());
  const image = await ensureSshdImage({ docker, onProgress });
  const network = await createNetwork(`${scope}-net`, scope, {}, docker);
  onProgress(`starting ${options.count} SSH node${options.count > 1 ? 's' : ''} (${image}, network ${network.name})…`);
  const started = Date.now();
  const nodes = await Promise.all(
    Array.from({ length: options.count }, async (_, i) => {
      const hostname = `node${i + 1}`;
      const container = await new ContainerBuilder(image)
        .withScope(scope)
        .withName(`${scope}-${hostname}`)
        .withHostname(hostname)
        .withNetwork(network.name, { aliases: [hostname] })
        .withExposedPort(22)
        .withFile(`/home/${NODE_USER}/.ssh/authorized_keys`, key + '\n', { mode: 0o600, uid: NODE_UID, gid: NODE_UID })
        .withWaitStrategy(Wait.forSshBanner(22))
        .withStartupTimeout(options.startupTimeoutMs ?? 60_000)
        .start(docker);
      const pub = await container.exec(['cat', HOST_KEY_PUB]);
      const hostPublicKey = pub.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
      if (pub.rc !== 0 || !hostPublicKey.startsWith('ssh-ed25519 ')) throw new Error(`node ${container.name}: cannot read its host key ${HOST_KEY_PUB}: ${pub.stderr.trim()}`);
      const node: SshNode = { name: container.name, host: '127.0.0.1', port: container.mappedPort(22), user: NODE_USER, hostPublicKey, address: container.ipAddress(network.name), id: container.id };
      return node;
    }),
  );
  onProgress(`${nodes.length} SSH node${nodes.length > 1 ? 's' : ''} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${nodes.map((n) => `${n.name} 127.0.0.1:${n.port}`).join(', ')}`);
  return nodes;
}
