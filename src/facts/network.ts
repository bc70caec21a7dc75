/**
 * Network interfaces and the default IPv4 route, from `ip -d -j addr` and `ip -j route`, with
 * Ansible's fact names: ansible_interfaces, ansible_<if>, ansible_all_ipv4_addresses,
 * ansible_default_ipv4 (the route to 8.8.8.8, else the default route).
 */
import { defineFact } from './fact.js';
import { PRINT_PAIR, factLines } from './lines.js';

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

function networkAddress(address: string, prefix: number): string {
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
      facts['ipv4'] = { address: first.local, broadcast: first.broadcast ?? '', netmask: netmask(first.prefixlen), network: networkAddress(first.local, first.prefixlen), prefix: String(first.prefixlen) };
      if (v4.length > 1) facts['ipv4_secondaries'] = v4.slice(1).map((a) => ({ address: a.local, broadcast: a.broadcast ?? '', netmask: netmask(a.prefixlen), network: networkAddress(a.local, a.prefixlen), prefix: String(a.prefixlen) }));
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

export const network = defineFact({
  name: 'network',
  command: `${PRINT_PAIR}
if command -v ip >/dev/null 2>&1; then
  p ip_addr_json "$(ip -d -j addr 2>/dev/null | tr -d '\\n')"
  p ip_route_json "$(ip -j route get 8.8.8.8 2>/dev/null | tr -d '\\n')"
  p ip_default_json "$(ip -j route show default 2>/dev/null | tr -d '\\n')"
fi
exit 0`,
  parse(stdout) {
    const get = factLines(stdout).get;
    const ip = parseIpAddr(get('ip_addr_json') || '[]');
    const facts: Record<string, unknown> = {
      interfaces: ip.interfaces,
      all_ipv4_addresses: ip.allIpv4,
      all_ipv6_addresses: ip.allIpv6,
      default_ipv4: parseDefaultRoute(get('ip_route_json') || '[]', get('ip_default_json') || '[]', ip.perInterface),
    };
    for (const [name, info] of Object.entries(ip.perInterface)) facts[name.replace(/[-.:]/g, '_')] = info;
    return facts;
  },
});
