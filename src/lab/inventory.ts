/**
 * The lab's inventory, in INI, read the same by `playbook` and `ansible-playbook`: node1 in
 * ray_head, the others in ray_workers, both under ray_cluster. Hosts are reached at 127.0.0.1 on
 * their published SSH ports with the lab's key and known_hosts (host key checking stays on);
 * cluster_ip is each node's address on the cluster network, what Ray and vLLM must use. With the
 * mirror: its URL, the wheelhouse, the conda installer, and the model hub's endpoints (hf_endpoint
 * for HF_ENDPOINT, modelscope_endpoint for MODELSCOPE_ENDPOINT) with the ids it serves.
 */
import { NODE_USER } from '../docker/sshd-image.js';
import type { Mirror } from './mirror.js';
import { NODE_WHEELHOUSE } from './names.js';
import { NODE_PYTHON_VERSION } from './wheelhouse.js';
import type { LabNode } from './nodes.js';
import type { LabPaths } from './state.js';

export interface InventoryInput {
  labName: string;
  nodes: readonly LabNode[];
  paths: Pick<LabPaths, 'privateKey' | 'knownHosts'>;
  mirror?: Mirror | undefined;
}

/** A value for a `[group:vars]` line: quoted (Python literal syntax) when it has spaces or quotes. */
function iniValue(value: string): string {
  return /[\s'"#;\\]/.test(value) ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : value;
}

/** The ssh options the inventory gives both engines (and `lab ssh` uses). */
export function sshOptions(paths: Pick<LabPaths, 'knownHosts'>): string[] {
  return ['-o', `UserKnownHostsFile=${paths.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes'];
}

export function renderInventory(input: InventoryInput): string {
  const reachable = input.nodes.filter((n) => n.sshPort !== undefined).sort((a, b) => a.index - b.index);
  const hostLine = (n: LabNode): string => `${n.name} ansible_host=127.0.0.1 ansible_port=${n.sshPort ?? 22}${n.clusterIp ? ` cluster_ip=${n.clusterIp}` : ''}`;
  const vars: [string, string][] = [
    ['ansible_user', NODE_USER],
    ['ansible_ssh_private_key_file', input.paths.privateKey],
    ['ansible_ssh_common_args', sshOptions(input.paths).join(' ')],
    ['ansible_python_interpreter', '/usr/bin/python3'],
    ['lab_name', input.labName],
  ];
  if (input.mirror) {
    vars.push(['lab_mirror_url', input.mirror.url], ['lab_wheelhouse', NODE_WHEELHOUSE]);
    if (input.mirror.condaInstaller) vars.push(['conda_installer_url', input.mirror.condaInstaller.url], ['conda_installer_sha256', input.mirror.condaInstaller.sha256]);
    // The conda stand-in's only Python is the node's own: the conda role must ask for that one.
    vars.push(['conda_python_version', NODE_PYTHON_VERSION]);
    if (input.mirror.hub) {
      vars.push(['hf_endpoint', input.mirror.hub.hfEndpoint], ['modelscope_endpoint', input.mirror.hub.modelscopeEndpoint], ['lab_hub_models', input.mirror.hub.models.join(',')]);
    }
  }
  const lines = [
    `# Inventory of the playbook lab '${input.labName}', written by \`playbook lab up\` / \`playbook lab inventory\`.`,
    '# Nodes are reached on 127.0.0.1 through their published SSH ports (they change when a node is',
    '# recreated: write it again after `lab up`); cluster_ip is the node\'s address on the cluster network.',
    '',
    '[ray_head]',
    ...reachable.filter((n) => n.role === 'head').map(hostLine),
    '',
    '[ray_workers]',
    ...reachable.filter((n) => n.role === 'worker').map(hostLine),
    '',
    '[ray_cluster:children]',
    'ray_head',
    'ray_workers',
    '',
    '[ray_cluster:vars]',
    ...vars.map(([k, v]) => `${k}=${iniValue(v)}`),
    '',
  ];
  return lines.join('\n');
}

/** known_hosts lines for the nodes: `[127.0.0.1]:<port> <host key>`. */
export function renderKnownHosts(entries: readonly { port: number; hostKey: string }[]): string {
  return entries.map((e) => `[127.0.0.1]:${e.port} ${e.hostKey}\n`).join('');
}
