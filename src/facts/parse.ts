/** Turns the fact script's output (and ip -j / nvidia-smi CSV) into Ansible's fact names. */

interface IpAddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope?: string;
}
interface IpLink {
  ifname: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  link_type?: string;
  operstate?: string;
  addr_info?: IpAddrInfo[];
}

function netmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

function network(address: string, prefix: number): string {
  const parts = address.split('.').map(Number);
  const mask = netmask(prefix).split('.').map(Number);
  return parts.map((p, i) => p & (mask[i] ?? 0)).join('.');
}

/** `ip -j addr` → ansible_interfaces, ansible_<if>, ansible_all_ipv4_addresses. */
export function parseIpAddr(json: string): { interfaces: string[]; perInterface: Record<string, Record<string, unknown>>; allIpv4: string[]; allIpv6: string[] } {
  let links: IpLink[];
  try {
    links = JSON.parse(json) as IpLink[];
  } catch {
    links = [];
  }
  const perInterface: Record<string, Record<string, unknown>> = {};
  const allIpv4: string[] = [];
  const allIpv6: string[] = [];
  for (const link of links) {
    const v4 = (link.addr_info ?? []).filter((a) => a.family === 'inet');
    const v6 = (link.addr_info ?? []).filter((a) => a.family === 'inet6');
    const facts: Record<string, unknown> = {
      device: link.ifname,
      active: (link.flags ?? []).includes('UP'),
      mtu: link.mtu,
      macaddress: link.address ?? '',
      type: link.link_type === 'loopback' ? 'loopback' : link.link_type === 'ether' ? 'ether' : (link.link_type ?? 'unknown'),
    };
    const first = v4[0];
    if (first) {
      facts['ipv4'] = { address: first.local, broadcast: first.broadcast ?? '', netmask: netmask(first.prefixlen), network: network(first.local, first.prefixlen), prefix: String(first.prefixlen) };
      if (v4.length > 1) facts['ipv4_secondaries'] = v4.slice(1).map((a) => ({ address: a.local, netmask: netmask(a.prefixlen), network: network(a.local, a.prefixlen), prefix: String(a.prefixlen) }));
    }
    if (v6.length) facts['ipv6'] = v6.map((a) => ({ address: a.local, prefix: String(a.prefixlen), scope: a.scope ?? '' }));
    perInterface[link.ifname] = facts;
    if (link.link_type !== 'loopback') {
      for (const a of v4) allIpv4.push(a.local);
      for (const a of v6) if (a.scope !== 'link') allIpv6.push(a.local);
    }
  }
  return { interfaces: links.map((l) => l.ifname), perInterface, allIpv4, allIpv6 };
}

/** `ip -j route get X` (or the default route) → ansible_default_ipv4. */
export function parseDefaultRoute(routeGet: string, defaultRoute: string, perInterface: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const parse = (s: string): Array<Record<string, unknown>> => {
    try {
      const v = JSON.parse(s) as unknown;
      return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
    } catch {
      return [];
    }
  };
  const route = parse(routeGet)[0] ?? parse(defaultRoute)[0];
  if (!route || typeof route['dev'] !== 'string') return {};
  const dev = route['dev'];
  const iface = perInterface[dev] ?? {};
  const ipv4 = (iface['ipv4'] ?? {}) as Record<string, unknown>;
  return {
    address: (route['prefsrc'] as string | undefined) ?? ipv4['address'] ?? '',
    alias: dev,
    broadcast: ipv4['broadcast'] ?? '',
    gateway: (route['gateway'] as string | undefined) ?? '',
    interface: dev,
    macaddress: iface['macaddress'] ?? '',
    mtu: iface['mtu'],
    netmask: ipv4['netmask'] ?? '',
    network: ipv4['network'] ?? '',
    prefix: ipv4['prefix'] ?? '',
    type: iface['type'] ?? 'ether',
  };
}

/**
 * nvidia-smi `--query-*` CSV: with a header (`memory.total [MiB]`) the columns are named by it,
 * without one by `fields`; units (`143771 MiB`, `0 %`) are dropped from values.
 */
export function parseNvidiaCsv(lines: string[], fields: string[]): Array<Record<string, string>> {
  const rows = lines.map((l) => l.trim()).filter(Boolean);
  let names = fields;
  if (rows[0] && /[a-z_]+\.?[a-z_]*(\s*\[[^\]]*\])?\s*(,|$)/.test(rows[0]) && rows[0].includes(fields[0] ?? '\u0000')) {
    names = rows.shift()!.split(',').map((h) => h.trim().replace(/\s*\[[^\]]*\]$/, ''));
  }
  return rows.map((row) => {
    const values = row.split(',').map((v) => v.trim().replace(/\s*(MiB|%|W|MHz)$/, ''));
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
  });
}

export const GPU_FIELDS = ['index', 'name', 'uuid', 'memory.total', 'memory.used'];
export const GPU_PROCESS_FIELDS = ['gpu_uuid', 'pid', 'process_name', 'used_memory'];

/** The `gpus` fact: index, name, uuid, memory_total_mib, memory_used_mib. */
export function parseGpuCsv(lines: string[]): Array<Record<string, unknown>> {
  return parseNvidiaCsv(lines, GPU_FIELDS).map((r) => ({
    index: Number(r['index']),
    name: r['name'],
    uuid: r['uuid'],
    memory_total_mib: Number(r['memory.total']),
    memory_used_mib: Number(r['memory.used']),
  }));
}

/** The `gpu_processes` fact: which process holds how much memory on which GPU. */
export function parseGpuProcessCsv(lines: string[]): Array<Record<string, unknown>> {
  return parseNvidiaCsv(lines, GPU_PROCESS_FIELDS).map((r) => ({
    gpu_uuid: r['gpu_uuid'],
    pid: Number(r['pid']),
    process_name: r['process_name'],
    used_memory_mib: Number(r['used_memory'] ?? r['used_gpu_memory']),
  }));
}

const OS_FAMILY: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Debian', linuxmint: 'Debian', raspbian: 'Debian',
  rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', ol: 'RedHat', amzn: 'RedHat',
  sles: 'Suse', opensuse: 'Suse', 'opensuse-leap': 'Suse', arch: 'Archlinux', alpine: 'Alpine',
};

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

/** All facts from the script's `key<TAB>value` lines, without the `ansible_` prefix (as under ansible_facts). */
export function parseFactLines(output: string): Record<string, unknown> {
  const single = new Map<string, string>();
  const env: Record<string, string> = {};
  const mounts: Array<Record<string, unknown>> = [];
  const gpuLines: string[] = [];
  const gpuProcessLines: string[] = [];
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const key = line.slice(0, tab);
    const value = line.slice(tab + 1);
    if (key.startsWith('env_')) env[key.slice(4)] = value;
    else if (key === 'mount') {
      const [mount = '', total = '0', avail = '0'] = value.split(' ');
      mounts.push({ mount, size_total: Number(total) * 1024, size_available: Number(avail) * 1024 });
    } else if (key === 'gpu') gpuLines.push(value);
    else if (key === 'gpu_process') gpuProcessLines.push(value);
    else single.set(key, value);
  }
  const get = (k: string): string => single.get(k) ?? '';
  const osId = unquote(get('os_ID')).toLowerCase();
  const distribution = osId === 'rhel' ? 'RedHat' : osId ? osId.charAt(0).toUpperCase() + osId.slice(1) : 'NA';
  const debianVersion = get('debian_version');
  const version = osId === 'debian' && /^\d/.test(debianVersion) ? debianVersion : unquote(get('os_VERSION_ID'));
  const py = get('python_version').split('.').map(Number);
  const ip = parseIpAddr(get('ip_addr_json') || '[]');
  const facts: Record<string, unknown> = {
    hostname: get('hostname').split('.')[0],
    nodename: get('hostname'),
    fqdn: get('fqdn'),
    kernel: get('kernel'),
    architecture: get('architecture'),
    machine: get('architecture'),
    system: get('system'),
    processor_vcpus: Number(get('vcpus')) || 1,
    memtotal_mb: Math.floor(Number(get('memtotal_kb') || 0) / 1024),
    distribution,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? '',
    distribution_release: unquote(get('os_VERSION_CODENAME')) || 'NA',
    os_family: OS_FAMILY[osId] ?? distribution,
    user_id: get('user_id'),
    user_uid: Number(get('user_uid')),
    user_gid: Number(get('user_gid')),
    user_dir: get('user_dir'),
    env,
    mounts,
    interfaces: ip.interfaces,
    all_ipv4_addresses: ip.allIpv4,
    all_ipv6_addresses: ip.allIpv6,
    default_ipv4: parseDefaultRoute(get('ip_route_json') || '[]', get('ip_default_json') || '[]', ip.perInterface),
    date_time: { epoch: get('date_epoch') },
  };
  if (py.length === 3 && !py.some(Number.isNaN)) {
    facts['python'] = { version: { major: py[0], minor: py[1], micro: py[2], releaselevel: 'final', serial: 0 }, executable: '/usr/bin/python3' };
    facts['python_version'] = get('python_version');
  }
  for (const [name, info] of Object.entries(ip.perInterface)) facts[name.replace(/[-.:]/g, '_')] = info;
  const gpus = parseGpuCsv(gpuLines);
  facts['gpus'] = gpus;
  facts['gpu_count'] = gpus.length;
  facts['gpu_processes'] = parseGpuProcessCsv(gpuProcessLines);
  return facts;
}
