/**
 * The lab's two networks, as on real servers: a management network (SSH through published ports,
 * the default route, the package mirror; the engine does not masquerade it, and the nodes reject
 * traffic to public addresses, so there is no internet) and an internal cluster network (no route
 * out at all) that carries Ray and vLLM traffic on the nodes' renamed NICs.
 */
import type Docker from 'dockerode';
import { SCOPE_LABEL } from '../docker/labels.js';
import { createNetwork } from '../docker/resources.js';
import { LAB_LABEL, type LabResourceNames } from './names.js';

export interface LabNetwork {
  id: string;
  name: string;
  subnet: string;
}

async function ensureNetwork(docker: Docker, labName: string, scope: string, name: string, internal: boolean, onProgress: (line: string) => void): Promise<LabNetwork> {
  // The engine's name filter matches substrings: keep the exact name only.
  const existing = (await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) })).find((n) => n.Name === name);
  if (existing && existing.Labels?.[SCOPE_LABEL] !== scope) throw new Error(`a network named ${name} exists but is not lab ${labName}'s (no ${SCOPE_LABEL}=${scope} label); remove or rename it`);
  let id = existing?.Id;
  if (!id) {
    onProgress(`creating network ${name}${internal ? ' (internal: no route out)' : ''}…`);
    id = (
      await createNetwork(name, scope, {
        internal,
        labels: { [LAB_LABEL]: labName },
        ...(internal ? {} : { driverOptions: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }),
      }, docker)
    ).id;
  }
  const info = (await docker.getNetwork(id).inspect()) as { IPAM?: { Config?: { Subnet?: string }[] } };
  const subnet = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
  if (!subnet) throw new Error(`network ${name} has no IPv4 subnet`);
  return { id, name, subnet };
}

export async function ensureLabNetworks(docker: Docker, labName: string, names: LabResourceNames, onProgress: (line: string) => void): Promise<{ management: LabNetwork; cluster: LabNetwork }> {
  const management = await ensureNetwork(docker, labName, names.scope, names.management, false, onProgress);
  const cluster = await ensureNetwork(docker, labName, names.scope, names.cluster, true, onProgress);
  return { management, cluster };
}
