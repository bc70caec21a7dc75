/** Fact parsers against real command output (shared/fixtures: nvidia-smi on 2x H200, iproute2 in a container). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SETUP_SUBSETS } from '../../src/facts/index.js';
import { parseGpuCsv, parseGpuProcessCsv } from '../../src/facts/gpus.js';
import { parseDefaultRoute, parseIpAddr } from '../../src/facts/network.js';
import { ROOT } from '../engine/helpers.js';

const fixtures = path.join(ROOT, '..', 'shared', 'fixtures');
const read = (p: string): string => readFileSync(path.join(fixtures, p), 'utf8');

describe('nvidia-smi', () => {
  test('--query-gpu CSV with header and units', () => {
    const gpus = parseGpuCsv(read('nvidia-smi/h200x2-query-gpu.csv').split('\n'));
    expect(gpus).toEqual([
      { index: 0, name: 'NVIDIA H200', uuid: 'GPU-9a1276c6-7eea-392b-c507-ef929a1906c3', memory_total_mib: 143771, memory_used_mib: 0 },
      { index: 1, name: 'NVIDIA H200', uuid: 'GPU-a4bff52b-cf65-4e34-cba0-436abe5fe312', memory_total_mib: 143771, memory_used_mib: 0 },
    ]);
  });

  test('--query-compute-apps CSV', () => {
    expect(parseGpuProcessCsv(read('nvidia-smi/h200x2-query-compute-apps.csv').split('\n'))).toEqual([
      { gpu_uuid: 'GPU-9a1276c6-7eea-392b-c507-ef929a1906c3', pid: 554, process_name: 'python3', used_memory_mib: 1634 },
      { gpu_uuid: 'GPU-a4bff52b-cf65-4e34-cba0-436abe5fe312', pid: 554, process_name: 'python3', used_memory_mib: 1634 },
    ]);
  });

  test('noheader,nounits lines as the fact script asks for them', () => {
    expect(parseGpuCsv(['0, NVIDIA H200, GPU-1, 143771, 1634'])).toEqual([{ index: 0, name: 'NVIDIA H200', uuid: 'GPU-1', memory_total_mib: 143771, memory_used_mib: 1634 }]);
  });
});

describe('ip -j', () => {
  test('interfaces, per-interface facts and all IPv4 addresses', () => {
    const ip = parseIpAddr(read('ip/container-ip-j-addr.json'));
    expect(ip.interfaces).toContain('lo');
    expect(ip.interfaces).toContain('eth0');
    expect(ip.allIpv4).toContain('172.30.0.2');
    expect(ip.allIpv4).not.toContain('127.0.0.1');
    expect(ip.perInterface['eth0']).toMatchObject({ device: 'eth0', active: true, mtu: 1500, macaddress: '02:42:ac:1e:00:02', type: 'ether' });
    expect(ip.perInterface['eth0']?.['ipv4']).toEqual({ address: '172.30.0.2', broadcast: '172.30.0.255', netmask: '255.255.255.0', network: '172.30.0.0', prefix: '24' });
  });

  test('as Ansible: active unless operstate is down, no all-zero macaddress, bridge and bond types, promisc, all addresses but loopback ones', () => {
    const links = [
      ...(JSON.parse(read('ip/container-ip-j-addr.json')) as object[]),
      { ifname: 'docker0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'PROMISC'], mtu: 1500, operstate: 'DOWN', link_type: 'ether', address: '02:42:3e:5e:a6:56', linkinfo: { info_kind: 'bridge' }, addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16, broadcast: '172.17.255.255' }, { family: 'inet6', local: 'fe80::42:3eff:fe5e:a656', prefixlen: 64, scope: 'link' }] },
      { ifname: 'bond0', flags: ['UP'], mtu: 9000, link_type: 'ether', address: '02:00:00:00:00:01', linkinfo: { info_kind: 'bond' } },
      { ifname: 'veth1', flags: ['UP'], promiscuity: 1, mtu: 1500, operstate: 'UP', link_type: 'ether', address: '02:00:00:00:00:02', linkinfo: { info_kind: 'veth' } },
      { ifname: 'tun0', flags: ['POINTOPOINT', 'UP'], mtu: 1400, operstate: 'UNKNOWN', link_type: 'none' },
    ];
    const ip = parseIpAddr(JSON.stringify(links));
    expect(ip.perInterface['lo']).toEqual({ device: 'lo', active: true, mtu: 65536, promisc: false, type: 'loopback', ipv4: { address: '127.0.0.1', broadcast: '', netmask: '255.0.0.0', network: '127.0.0.0', prefix: '8' } });
    expect(ip.perInterface['docker0']).toMatchObject({ active: false, promisc: true, type: 'bridge', macaddress: '02:42:3e:5e:a6:56' });
    expect(ip.perInterface['bond0']).toMatchObject({ active: true, type: 'bonding', promisc: false });
    expect(ip.perInterface['veth1']).toMatchObject({ active: true, type: 'ether', promisc: true });
    expect(ip.perInterface['tun0']).toMatchObject({ active: true, type: 'unknown' });
    expect(ip.perInterface['tun0']).not.toHaveProperty('macaddress');
    expect(ip.allIpv4).toEqual(['172.30.0.2', '172.17.0.1']);
    expect(ip.allIpv6).toEqual(['fe80::42:3eff:fe5e:a656']);
  });

  test('default IPv4 from `ip -j route get`, and from the default route when there is no route out', () => {
    const ip = parseIpAddr(read('ip/container-ip-j-addr.json'));
    expect(parseDefaultRoute(read('ip/container-ip-j-route-get.json'), '[]', ip.perInterface)).toMatchObject({ address: '172.30.0.2', interface: 'eth0', gateway: '', netmask: '255.255.255.0' });
    expect(parseDefaultRoute('', read('ip/container-ip-j-route.json'), ip.perInterface)).toMatchObject({ address: '172.30.0.2', interface: 'eth0', gateway: '172.30.0.1' });
  });
});

/** The setup facts' `key<TAB>value` lines, each parsed by the fact that prints them. */
function parseFactLines(output: string): Record<string, unknown> {
  const facts = new Set([...SETUP_SUBSETS.values()].flat());
  return Object.assign({}, ...[...facts].map((f) => f.parse(output))) as Record<string, unknown>;
}

test('the fact script output becomes Ansible fact names', () => {
  const out = [
    'hostname\tgpu01.lab',
    'fqdn\tgpu01.lab',
    'kernel\t6.1.0-21-amd64',
    'architecture\tx86_64',
    'vcpus\t8',
    'memtotal_kb\t16384000',
    'user_id\tdeploy',
    'python_version\t3.11.2',
    'os_ID\tdebian',
    'os_VERSION_ID\t"12"',
    'os_VERSION_CODENAME\tbookworm',
    'debian_version\t12.5',
    'env_HOME\t/home/deploy',
    'mount\t/dev/vda\t/\text4\trw,relatime\t0\t0\t4096 4096 1000 400 100 40',
    'mount\t/dev/vda\t/var/lib/docker\text4\trw,relatime\t0\t0\t4096 4096 1000 400 100 40',
    'mount\t/dev/vdb\t/mnt/with\\040space\text4\trw\t0\t2\t',
    'bind\t/var/lib/docker',
    'uuid\t/dev/vdb 0e1f-23',
    'gpu\t0, NVIDIA H200, GPU-1, 143771, 0',
  ].join('\n');
  expect(parseFactLines(out)).toMatchObject({
    hostname: 'gpu01',
    fqdn: 'gpu01.lab',
    distribution: 'Debian',
    distribution_version: '12.5',
    distribution_major_version: '12',
    distribution_release: 'bookworm',
    os_family: 'Debian',
    processor_vcpus: 8,
    memtotal_mb: 16000,
    python: { version: { major: 3, minor: 11, micro: 2 } },
    env: { HOME: '/home/deploy' },
    mounts: [
      { mount: '/', device: '/dev/vda', fstype: 'ext4', options: 'rw,relatime', dump: 0, passno: 0, uuid: 'N/A', size_total: 4096000, size_available: 1638400, block_size: 4096, block_total: 1000, block_available: 400, block_used: 600, inode_total: 100, inode_available: 40, inode_used: 60 },
      { mount: '/var/lib/docker', options: 'rw,relatime,bind' },
      { mount: '/mnt/with space', device: '/dev/vdb', passno: 2, uuid: '0e1f-23' },
    ],
    gpu_count: 1,
  });
});
