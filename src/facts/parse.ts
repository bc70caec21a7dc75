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
  /** With -d: how many want the interface promiscuous (the kernel's bridge ports included). */
  promiscuity?: number;
  mtu?: number;
  address?: string;
  link_type?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string };
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

/** Ansible's interface type: from the link type, then bridge and bond devices by their kind. */
function interfaceType(link: IpLink): string {
  if (link.link_type === 'loopback') return 'loopback';
  if (link.link_type === 'ppp') return 'ppp';
  if (link.link_type !== 'ether') return 'unknown';
  if (link.linkinfo?.info_kind === 'bridge') return 'bridge';
  if (link.linkinfo?.info_kind === 'bond') return 'bonding';
  return 'ether';
}

/**
 * `ip -d -j addr` → ansible_interfaces, ansible_<if>, ansible_all_ipv4_addresses (every address
 * but 127.x) and ansible_all_ipv6_addresses (every address but ::1), as Ansible reports them:
 * an interface is active unless its operstate is down, is promiscuous when anything holds it so,
 * and has a macaddress only when it is not all zeros.
 */
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
    const flags = link.flags ?? [];
    const facts: Record<string, unknown> = {
      device: link.ifname,
      active: link.operstate !== undefined ? link.operstate.toLowerCase() !== 'down' : flags.includes('UP'),
      mtu: link.mtu,
      // Ansible reads IFF_PROMISC from sysfs, where it is set for bridge ports too; `ip` shows
      // only the user-set flag, but -d counts every holder.
      promisc: (link.promiscuity ?? 0) > 0 || flags.includes('PROMISC'),
      type: interfaceType(link),
    };
    if (link.address && !/^[0:]*$/.test(link.address)) facts['macaddress'] = link.address;
    const first = v4[0];
    if (first) {
      facts['ipv4'] = { address: first.local, broadcast: first.broadcast ?? '', netmask: netmask(first.prefixlen), network: network(first.local, first.prefixlen), prefix: String(first.prefixlen) };
      if (v4.length > 1) facts['ipv4_secondaries'] = v4.slice(1).map((a) => ({ address: a.local, broadcast: a.broadcast ?? '', netmask: netmask(a.prefixlen), network: network(a.local, a.prefixlen), prefix: String(a.prefixlen) }));
    }
    if (v6.length) facts['ipv6'] = v6.map((a) => ({ address: a.local, prefix: String(a.prefixlen), scope: a.scope ?? '' }));
    perInterface[link.ifname] = facts;
    for (const a of v4) if (!a.local.startsWith('127.')) allIpv4.push(a.local);
    for (const a of v6) if (a.local !== '::1') allIpv6.push(a.local);
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

/** /proc/mounts writes spaces, tabs and backslashes in fields as octal escapes (\040). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * One ansible_mounts entry from the script's `mount` line: device, mount point, fstype, options,
 * dump, passno (as /proc/mounts has them) and `stat -f` of the mount point (fundamental block
 * size, block size, blocks, blocks available, inodes, free inodes), as Ansible computes the
 * sizes from statvfs; a mount that could not be stat'ed has no size fields, as in Ansible.
 */
function parseMount(value: string, binds: Set<string>, uuids: Map<string, string>): Record<string, unknown> {
  const [dev = '', mnt = '', fstype = '', opts = '', dump = '0', passno = '0', sizes = ''] = value.split('\t');
  const device = unescapeOctal(dev);
  const mount: Record<string, unknown> = {
    mount: unescapeOctal(mnt),
    device,
    fstype,
    options: unescapeOctal(opts) + (binds.has(mnt) ? ',bind' : ''),
    dump: Number(dump) || 0,
    passno: Number(passno) || 0,
    uuid: uuids.get(device) ?? 'N/A',
  };
  const n = sizes.trim().split(/\s+/).map(Number);
  if (n.length === 6 && !n.some(Number.isNaN)) {
    const [frsize = 0, bsize = 0, blocks = 0, bavail = 0, files = 0, ffree = 0] = n;
    Object.assign(mount, {
      size_total: frsize * blocks,
      size_available: frsize * bavail,
      block_size: bsize,
      block_total: blocks,
      block_available: bavail,
      block_used: blocks - bavail,
      inode_total: files,
      inode_available: ffree,
      inode_used: files - ffree,
    });
  }
  return mount;
}

/**
 * All facts from the script's `key<TAB>value` lines, without the `ansible_` prefix (as under
 * ansible_facts). The first value of a key wins (Python's fqdn before `hostname -f`'s).
 */
export function parseFactLines(output: string): Record<string, unknown> {
  const single = new Map<string, string>();
  const env: Record<string, string> = {};
  const mountLines: string[] = [];
  const binds = new Set<string>();
  const uuids = new Map<string, string>();
  const gpuLines: string[] = [];
  const gpuProcessLines: string[] = [];
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const key = line.slice(0, tab);
    const value = line.slice(tab + 1);
    if (key.startsWith('env_')) env[key.slice(4)] = value;
    else if (key === 'mount') mountLines.push(value);
    else if (key === 'bind') binds.add(value);
    else if (key === 'uuid') {
      const [name = '', uuid = ''] = value.split(' ');
      uuids.set(name, uuid);
    } else if (key === 'gpu') gpuLines.push(value);
    else if (key === 'gpu_process') gpuProcessLines.push(value);
    else if (!single.has(key)) single.set(key, value);
  }
  const mounts = mountLines.map((l) => parseMount(l, binds, uuids));
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
    // As Ansible: vcpus are the processors the kernel lists, nproc those this process may use.
    processor_vcpus: Number(get('vcpus')) || Number(get('nproc')) || 1,
    processor_nproc: Number(get('nproc')) || 1,
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
    const releaselevel = get('python_releaselevel') || 'final';
    const serial = Number(get('python_serial')) || 0;
    facts['python'] = {
      executable: get('python_executable') || null,
      has_sslcontext: get('python_sslcontext') === '1',
      type: get('python_type') || null,
      version: { major: py[0], minor: py[1], micro: py[2], releaselevel, serial },
      version_info: [py[0], py[1], py[2], releaselevel, serial],
    };
    facts['python_version'] = get('python_version');
  }
  for (const [name, info] of Object.entries(ip.perInterface)) facts[name.replace(/[-.:]/g, '_')] = info;
  const gpus = parseGpuCsv(gpuLines);
  facts['gpus'] = gpus;
  facts['gpu_count'] = gpus.length;
  facts['gpu_processes'] = parseGpuProcessCsv(gpuProcessLines);
  return facts;
}
