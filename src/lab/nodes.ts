/**
 * One lab node: the container that plays a GPU server. Its per-node files (/etc/lab/node.json for
 * the NIC name, /etc/lab/gpus.json for the simulated GPUs, the lab key in authorized_keys) are in
 * place before its entrypoint runs; it is ready when its sshd answers on the published port.
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { ContainerBuilder } from '../docker/container.js';
import { NODE_UID, NODE_USER, HOST_KEY_PUB } from '../docker/sshd-image.js';
import type { StartedContainer } from '../docker/started-container.js';
import { Wait } from '../docker/wait.js';
import type { LabInit } from './state.js';
import { CONFIG_LABEL, GPUS_LABEL, INDEX_LABEL, LAB_LABEL, NIC_LABEL, NODE_LABEL, NODE_WHEELHOUSE, ROLE_LABEL, type LabResourceNames } from './names.js';

/** What every node of one `lab up` shares. */
export interface NodeContext {
  docker: Docker;
  labName: string;
  names: LabResourceNames;
  image: string;
  clusterSubnet: string;
  /** Network ids: a node made for a network since replaced is made anew. */
  networkIds: string[];
  wheelhouse: string | null;
  shmBytes: number;
  /** systemd as PID 1, or the plain entrypoint. */
  init: LabInit;
  startupTimeoutMs: number;
}

export interface NodeSpec {
  index: number;
  name: string;
  nic: string;
  gpus: number;
}

/** A node as the engine reports it. */
export interface LabNode {
  /** Inventory name and hostname: node1, node2, ... */
  name: string;
  index: number;
  /** node1 is the Ray head, the others are workers. */
  role: 'head' | 'worker';
  container: string;
  containerId: string;
  /** running, exited, created, ... (Docker's state). */
  state: string;
  /** The published SSH port on 127.0.0.1 (undefined while the node is not running). */
  sshPort: number | undefined;
  /** The node's address on the cluster network (its renamed NIC). */
  clusterIp: string | undefined;
  /** The node's address on the management network (SSH, default route, the mirror). */
  managementIp: string | undefined;
  nic: string;
  gpus: number;
}

/** A stable GPU UUID, different for every lab, node and index (as real GPUs' are). */
export function gpuUuid(labName: string, node: string, index: number): string {
  const h = createHash('sha256').update(`playbook-lab/${labName}/${node}/gpu${index}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** /etc/lab/gpus.json for the nvidia-smi stand-in: G NVIDIA H200 with 143771 MiB each. */
export function gpusJson(labName: string, spec: NodeSpec): string {
  const uuids = Array.from({ length: spec.gpus }, (_, i) => gpuUuid(labName, spec.name, i));
  return JSON.stringify({ count: spec.gpus, name: 'NVIDIA H200', memory_total_mib: 143771, uuids }, null, 2) + '\n';
}

/** A hash of everything the node's container is made from. */
export function nodeConfigHash(ctx: NodeContext, spec: NodeSpec): string {
  const parts = [ctx.image, ctx.clusterSubnet, ...ctx.networkIds, ctx.wheelhouse ?? '-', String(ctx.shmBytes), ctx.init, spec.name, spec.nic, String(spec.gpus)];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** Creates and starts node `spec`; resolves when its sshd answers. */
export async function startNode(ctx: NodeContext, spec: NodeSpec, authorizedKey: string): Promise<StartedContainer> {
  const builder = new ContainerBuilder(ctx.image)
    .withScope(ctx.names.scope)
    .withLabels({
      [LAB_LABEL]: ctx.labName,
      [ROLE_LABEL]: 'node',
      [NODE_LABEL]: spec.name,
      [INDEX_LABEL]: String(spec.index),
      [GPUS_LABEL]: String(spec.gpus),
      [NIC_LABEL]: spec.nic,
      [CONFIG_LABEL]: nodeConfigHash(ctx, spec),
    })
    .withName(ctx.names.node(spec.index))
    .withHostname(spec.name)
    .withNetwork(ctx.names.management, { aliases: [spec.name] })
    .withNetwork(ctx.names.cluster)
    .withExposedPort(22)
    // ufw and the NIC rename need the network admin capability inside the node's namespace.
    .withCapabilities('NET_ADMIN', 'NET_RAW')
    .withShmSize(ctx.shmBytes)
    .withFile('/etc/lab/node.json', JSON.stringify({ cluster_subnet: ctx.clusterSubnet, cluster_nic: spec.nic }) + '\n')
    .withFile('/etc/lab/gpus.json', gpusJson(ctx.labName, spec))
    .withFile(`/home/${NODE_USER}/.ssh/authorized_keys`, authorizedKey.trim() + '\n', { mode: 0o600, uid: NODE_UID, gid: NODE_UID })
    .withWaitStrategy(Wait.forSshBanner(22))
    .withStartupTimeout(ctx.startupTimeoutMs);
  if (ctx.wheelhouse !== null) builder.withMount({ source: ctx.wheelhouse, target: NODE_WHEELHOUSE, readOnly: true });
  if (ctx.init === 'systemd') {
    // What systemd needs as PID 1 in a container: a cgroup tree of its own (it tracks units in
    // the unified hierarchy), CAP_SYS_ADMIN to mount, /run and /run/lock as tmpfs, to be told it is
    // in a container, and SIGRTMIN+3 to shut down on `docker stop`.
    builder
      .withCommand(['/sbin/init'])
      .withEnv({ container: 'docker' })
      .withCgroupns('private')
      .withCapabilities('SYS_ADMIN')
      .withTmpfs('/run', 'rw,nosuid,nodev,mode=755')
      .withTmpfs('/run/lock', 'rw,nosuid,nodev,noexec')
      .withStopSignal('SIGRTMIN+3');
  }
  return builder.start(ctx.docker);
}

/** Puts the lab's current key in the node (a `lab up` after the key was made anew still logs in). */
export async function authorize(node: StartedContainer, authorizedKey: string): Promise<void> {
  await node.putFiles([{ name: `/home/${NODE_USER}/.ssh/authorized_keys`, data: authorizedKey.trim() + '\n', mode: 0o600, uid: NODE_UID, gid: NODE_UID }]);
}

/** The node's own host key ("ssh-ed25519 AAAA…"), for the lab's known_hosts. */
export async function hostKeyOf(node: StartedContainer): Promise<string> {
  const pub = await node.exec(['cat', HOST_KEY_PUB]);
  const key = pub.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
  if (pub.rc !== 0 || !key.startsWith('ssh-ed25519 ')) throw new Error(`node ${node.name}: cannot read its host key ${HOST_KEY_PUB}: ${pub.stderr.trim()}`);
  return key;
}

/** A node from the engine's container list entry (labels, state, ports, addresses). */
export function nodeFromSummary(c: Docker.ContainerInfo, names: LabResourceNames): LabNode | undefined {
  const labels = c.Labels ?? {};
  const index = Number(labels[INDEX_LABEL]);
  const name = labels[NODE_LABEL];
  if (labels[ROLE_LABEL] !== 'node' || !name || !Number.isInteger(index)) return undefined;
  const port = c.Ports?.find((p) => p.PrivatePort === 22 && p.Type === 'tcp' && p.PublicPort);
  const networks = c.NetworkSettings?.Networks ?? {};
  const ip = (net: string): string | undefined => networks[net]?.IPAddress || undefined;
  return {
    name,
    index,
    role: index === 1 ? 'head' : 'worker',
    container: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    containerId: c.Id,
    state: c.State,
    sshPort: c.State === 'running' && port ? port.PublicPort : undefined,
    clusterIp: ip(names.cluster),
    managementIp: ip(names.management),
    nic: labels[NIC_LABEL] ?? '?',
    gpus: Number(labels[GPUS_LABEL] ?? 0),
  };
}
