/** Fact parsers against real command output (shared/fixtures: nvidia-smi on 2x H200, iproute2 in a container). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDefaultRoute, parseFactLines, parseGpuCsv, parseGpuProcessCsv, parseIpAddr } from '../../src/facts/parse.js';
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

  test('default IPv4 from `ip -j route get`, and from the default route when there is no route out', () => {
    const ip = parseIpAddr(read('ip/container-ip-j-addr.json'));
    expect(parseDefaultRoute(read('ip/container-ip-j-route-get.json'), '[]', ip.perInterface)).toMatchObject({ address: '172.30.0.2', interface: 'eth0', gateway: '', netmask: '255.255.255.0' });
    expect(parseDefaultRoute('', read('ip/container-ip-j-route.json'), ip.perInterface)).toMatchObject({ address: '172.30.0.2', interface: 'eth0', gateway: '172.30.0.1' });
  });
});

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
    'mount\t/ 1000 400',
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
    mounts: [{ mount: '/', size_total: 1024000, size_available: 409600 }],
    gpu_count: 1,
  });
});
