/**
 * A preview of what the deployment roles write: the Ray/vLLM environment file for each node of a
 * two-node cluster, rendered by playbook's Jinja2 exactly as Ansible's template module would.
 * Run: npm run demo
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTemplate } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(here, 'templates', 'vllm-ray.env.j2');
const source = readFileSync(file, 'utf8');

const hostvars = {
  gpu01: { cluster_ip: '10.10.0.11', cluster_nic: 'eno1' },
  gpu02: { cluster_ip: '10.10.0.12', cluster_nic: 'ens3' },
};
const groups = { all: ['gpu01', 'gpu02'], ray_cluster: ['gpu01', 'gpu02'], ray_head: ['gpu01'], ray_workers: ['gpu02'] };

for (const host of groups.ray_cluster) {
  const text = renderTemplate(source, { inventory_hostname: host, hostvars, groups, ray_port: 6379, gpus_per_node: 1 }, { file });
  console.log(`==> ${host}: /etc/vllm-ray.env\n${text}`);
}
