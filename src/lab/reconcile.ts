/**
 * Brings the lab's nodes to the asked number and settings: keeps a node whose container was made
 * from the same settings (starting it when stopped), recreates one whose settings or image changed,
 * makes missing ones, removes those past the count. Then every node gets the lab's current key,
 * and its host key is read for known_hosts.
 */
import type Docker from 'dockerode';
import { StartedContainer } from '../docker/started-container.js';
import { Wait } from '../docker/wait.js';
import { CONFIG_LABEL, INDEX_LABEL, labFilter, nicFor, nodeName } from './names.js';
import { type NodeContext, type NodeSpec, authorize, hostKeyOf, nodeConfigHash, startNode } from './nodes.js';
import type { LabSettings } from './state.js';

export interface NodeHostKey {
  node: string;
  port: number;
  hostKey: string;
}

async function startStopped(docker: Docker, c: Docker.ContainerInfo, timeoutMs: number): Promise<StartedContainer> {
  const container = docker.getContainer(c.Id);
  if (c.State !== 'running') await container.start();
  const started = new StartedContainer(docker, container, await container.inspect());
  await Wait.forSshBanner(22).waitUntilReady(started, Date.now() + timeoutMs);
  return started;
}

export async function reconcileNodes(ctx: NodeContext, settings: LabSettings, authorizedKey: string, onProgress: (line: string) => void): Promise<NodeHostKey[]> {
  const { docker } = ctx;
  const existing = await docker.listContainers({ all: true, filters: labFilter(ctx.labName, 'node') });
  const byIndex = new Map<number, Docker.ContainerInfo>();
  let changed = false;
  const remove = async (c: Docker.ContainerInfo, why: string): Promise<void> => {
    changed = true;
    onProgress(`removing ${(c.Names[0] ?? c.Id).replace(/^\//, '')} (${why})…`);
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  };
  for (const c of existing) {
    const index = Number(c.Labels[INDEX_LABEL]);
    if (!Number.isInteger(index) || index > settings.nodes) await remove(c, `the lab now has ${settings.nodes} node${settings.nodes > 1 ? 's' : ''}`);
    else if (byIndex.has(index)) await remove(c, 'a second container for the same node');
    else byIndex.set(index, c);
  }
  const specs: NodeSpec[] = Array.from({ length: settings.nodes }, (_, i) => ({ index: i + 1, name: nodeName(i + 1), nic: nicFor(settings.nicNames, i + 1), gpus: settings.gpusPerNode }));
  const nodes = await Promise.all(
    specs.map(async (spec): Promise<[NodeSpec, StartedContainer]> => {
      const current = byIndex.get(spec.index);
      if (current && current.Labels[CONFIG_LABEL] === nodeConfigHash(ctx, spec)) {
        if (current.State !== 'running') {
          changed = true;
          onProgress(`starting ${spec.name} again (it was ${current.State})…`);
        }
        return [spec, await startStopped(docker, current, ctx.startupTimeoutMs)];
      }
      if (current) await remove(current, 'its settings or the node image changed');
      changed = true;
      onProgress(`starting ${spec.name} (${ctx.names.node(spec.index)}): ${spec.gpus} GPU${spec.gpus === 1 ? '' : 's'}, cluster NIC ${spec.nic}…`);
      return [spec, await startNode(ctx, spec, authorizedKey)];
    }),
  );
  if (!changed) onProgress(`all ${nodes.length} node${nodes.length > 1 ? 's were' : ' was'} up already: nothing to change`);
  return Promise.all(
    nodes.map(async ([spec, node]) => {
      await authorize(node, authorizedKey);
      return { node: spec.name, port: node.mappedPort(22), hostKey: await hostKeyOf(node) };
    }),
  );
}
