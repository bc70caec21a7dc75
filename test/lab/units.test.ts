/** The lab's pure parts: names, NIC assignment, GPU identities, and the inventory it writes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { renderInventory, renderKnownHosts } from '../../src/lab/inventory.js';
import { checkLabName, checkNicName, nicFor, resourceNames } from '../../src/lab/names.js';
import { gpuUuid, gpusJson, type LabNode } from '../../src/lab/nodes.js';
import { labPaths, labsRoot } from '../../src/lab/state.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pb-lab-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(index: number, extra: Partial<LabNode> = {}): LabNode {
  return {
    name: `node${index}`,
    index,
    role: index === 1 ? 'head' : 'worker',
    container: `lab-x-node${index}`,
    containerId: `id${index}`,
    state: 'running',
    sshPort: 40000 + index,
    clusterIp: `172.30.0.${index + 1}`,
    managementIp: `172.29.0.${index + 1}`,
    nic: 'eno1',
    gpus: 1,
    ...extra,
  };
}

describe('lab names', () => {
  it('names every resource after the lab and checks names', () => {
    expect(resourceNames('dev')).toMatchObject({ scope: 'lab-dev', management: 'lab-dev-mgmt', cluster: 'lab-dev-cluster', mirror: 'lab-dev-mirror' });
    expect(resourceNames('dev').node(2)).toBe('lab-dev-node2');
    expect(() => checkLabName('Bad Name')).toThrow(/invalid lab name/);
    for (const bad of ['eth0', 'lo', 'x'.repeat(16), '1eno', 'en o1']) expect(() => checkNicName(bad)).toThrow(/invalid NIC name/);
    expect(checkNicName('enp65s0f0')).toBe('enp65s0f0');
  });

  it('gives node i the i-th NIC name and later nodes the last one', () => {
    expect([1, 2, 3].map((i) => nicFor(['eno1', 'ens3'], i))).toEqual(['eno1', 'ens3', 'ens3']);
    expect(nicFor(['eno1'], 4)).toBe('eno1');
  });

  it('keeps state under $PLAYBOOK_LAB_HOME or the cache directory', () => {
    expect(labsRoot({ PLAYBOOK_LAB_HOME: '/srv/labs' })).toBe('/srv/labs');
    expect(labsRoot({ XDG_CACHE_HOME: '/c' })).toBe('/c/playbook-engine/labs');
    expect(labPaths('dev', '/r')).toMatchObject({ dir: '/r/dev', privateKey: '/r/dev/id_ed25519', inventory: '/r/dev/inventory.ini' });
    expect(() => labPaths('dev', '/home/a user/labs')).toThrow(/white space/);
  });
});

describe('simulated GPUs', () => {
  it('gives every GPU of every node and lab its own stable UUID', () => {
    const ids = ['a', 'b'].flatMap((lab) => ['node1', 'node2'].flatMap((n) => [0, 1].map((i) => gpuUuid(lab, n, i))));
    expect(new Set(ids).size).toBe(8);
    expect(gpuUuid('a', 'node1', 0)).toBe(gpuUuid('a', 'node1', 0));
    expect(ids[0]).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const json = JSON.parse(gpusJson('a', { index: 1, name: 'node1', nic: 'eno1', gpus: 2 })) as { count: number; name: string; memory_total_mib: number; uuids: string[] };
    expect(json).toEqual({ count: 2, name: 'NVIDIA H200', memory_total_mib: 143771, uuids: [gpuUuid('a', 'node1', 0), gpuUuid('a', 'node1', 1)] });
  });
});

describe('the lab inventory', () => {
  it('puts node1 in ray_head, the others in ray_workers, with the connection and mirror variables', async () => {
    const paths = { privateKey: '/state/my-lab/id_ed25519', knownHosts: '/state/my-lab/known_hosts' };
    const text = renderInventory({
      labName: 'x',
      nodes: [node(2), node(1), node(3, { state: 'exited', sshPort: undefined })],
      paths,
      mirror: { container: 'lab-x-mirror', url: 'http://mirror.lab:8080/', condaInstaller: { url: 'http://mirror.lab:8080/Miniforge3-Linux-x86_64.sh', sha256: 'ab'.repeat(32) } },
    });
    const file = path.join(dir, 'inventory.ini');
    writeFileSync(file, text);
    const inventory = await loadInventory([file]);
    expect(inventory.resolvePattern('ray_head')).toEqual(['node1']);
    expect(inventory.resolvePattern('ray_workers')).toEqual(['node2']); // node3 is not running
    expect(inventory.resolvePattern('ray_cluster')).toEqual(['node1', 'node2']);
    expect(inventory.hostJson('node2')).toMatchObject({
      ansible_host: '127.0.0.1',
      ansible_port: 40002,
      cluster_ip: '172.30.0.3',
      ansible_user: 'playbook',
      ansible_ssh_private_key_file: '/state/my-lab/id_ed25519',
      ansible_ssh_common_args: '-o UserKnownHostsFile=/state/my-lab/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes',
      lab_mirror_url: 'http://mirror.lab:8080/',
      conda_installer_sha256: 'ab'.repeat(32),
    });
  });

  it('records host keys by published port', () => {
    expect(renderKnownHosts([{ port: 40001, hostKey: 'ssh-ed25519 AAAA' }])).toBe('[127.0.0.1]:40001 ssh-ed25519 AAAA\n');
  });
});
