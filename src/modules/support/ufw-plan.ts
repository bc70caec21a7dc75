/**
 * What community.general.ufw would change, computed in the controller from the ufw fact: the rule
 * a task describes in ufw's stored form (the `### tuple ###` lines, with ufw's own normalisation of
 * addresses and ports), matched against the rules files as ufw matches it (exact, all but the
 * comment, all but action/log/comment), the policies and log level, and the firewall that results,
 * so that a change that would cut off the SSH connection in use is refused before it is made.
 * Pure functions, unit-tested in test/modules/ufw.test.ts.
 */
import type { UfwPolicy, UfwState, UfwTuple } from '../../facts/ufw.js';

// ---------------------------------------------------------------------------------------------
// Addresses, as ufw reads and stores them (ufw/util.py: valid_address, normalize_address).

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/** Eight 16-bit words, or undefined (inet_pton's rules: one `::`, an IPv4 tail allowed). */
function parseIPv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const groups = s.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/** inet_ntop(AF_INET6) as glibc writes it: lowercase, the longest run of two or more zero words as `::`. */
function formatIPv6(words: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  words.forEach((w, i) => {
    if (w === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += `${words[6]! >> 8}.${words[6]! & 0xff}.${words[7]! >> 8}.${words[7]! & 0xff}`;
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

export interface UfwAddress {
  version: 4 | 6;
  /** As ufw stores it: no host mask, IPv4 networks at their network address, IPv6 compressed. */
  normalized: string;
}

/** An address or network as ufw accepts it (`from`/`to`), normalised as ufw writes it; undefined when ufw would refuse it. */
export function ufwAddress(text: string): UfwAddress | undefined {
  const lower = text.toLowerCase();
  const [addr, mask, extra] = lower.split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const v4 = /^[0-9./]+$/.test(lower) ? parseIPv4(addr) : undefined;
  if (v4) {
    if (mask === undefined || mask === '32' || mask === '255.255.255.255') return { version: 4, normalized: v4.join('.') };
    let bits: number | undefined;
    if (/^\d+$/.test(mask)) {
      bits = Number(mask);
      if (bits > 32) return undefined;
    } else {
      const m = parseIPv4(mask);
      if (!m) return undefined;
      const n = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
      const ones = n.toString(2).replace(/0+$/, '');
      if (/^1*$/.test(ones)) bits = ones.length;
      else {
        // A netmask that is not a prefix stays in dotted form, applied to the address.
        const net = v4.map((b, i) => b & m[i]!);
        return { version: 4, normalized: `${net.join('.')}/${m.join('.')}` };
      }
    }
    const maskNum = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const a = ((v4[0]! << 24) | (v4[1]! << 16) | (v4[2]! << 8) | v4[3]!) >>> 0;
    const n = (a & maskNum) >>> 0;
    return { version: 4, normalized: `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}/${bits}` };
  }
  if (lower.length > 43) return undefined;
  const v6 = parseIPv6(addr);
  if (!v6) return undefined;
  if (mask === undefined || mask === '128') return { version: 6, normalized: formatIPv6(v6) };
  if (!/^\d+$/.test(mask) || Number(mask) > 128) return undefined;
  return { version: 6, normalized: `${formatIPv6(v6)}/${Number(mask)}` };
}

/** Whether `address` (a host) lies in `network` as stored in a tuple (0.0.0.0/0, a host, a CIDR). */
export function addressIn(address: string, network: string): boolean {
  const [netAddr, maskText] = network.split('/');
  const a4 = parseIPv4(address);
  const n4 = parseIPv4(netAddr ?? '');
  if (a4 && n4) {
    const bits = maskText === undefined ? 32 : /^\d+$/.test(maskText) ? Number(maskText) : undefined;
    const toNum = (b: number[]): number => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const mask = bits === undefined ? toNum(parseIPv4(maskText!) ?? [255, 255, 255, 255]) : bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((toNum(a4) & mask) >>> 0) === ((toNum(n4) & mask) >>> 0);
  }
  const a6 = parseIPv6(address);
  const n6 = parseIPv6(netAddr ?? '');
  if (!a6 || !n6) return false;
  let bits = maskText === undefined ? 128 : Number(maskText);
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const m = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((a6[i]! & m) !== (n6[i]! & m)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Ports (UFWRule.set_port and normalize: numeric lists and ranges, sorted as human_sort does).

function humanKey(s: string): (number | string)[] {
  return s.split(/([0-9]+)/).map((c) => (/^\d+$/.test(c) ? Number(c) : c.toLowerCase()));
}

function humanCompare(a: string, b: string): number {
  const x = humanKey(a);
  const y = humanKey(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    return String(p) < String(q) ? -1 : 1;
  }
  return x.length - y.length;
}

/** A port, list or range as ufw stores it; undefined for a service name (ufw resolves those); an error for a bad one. */
export function ufwPort(text: string): { port: string } | { error: string } | undefined {
  if (text === 'any') return { port: 'any' };
  if (!/^\d([0-9,:]*\d+)*$/.test(text)) {
    if (text.includes(',') || text.includes(':')) return { error: 'Port ranges must be numeric' };
    return undefined;
  }
  const bad = { error: `Bad port '${text}'` };
  if (text.split(/[,:]/).length - 1 > 14) return bad;
  for (const p of text.split(',')) {
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (lo < 1 || hi > 65535 || lo >= hi) return bad;
    } else if (/^\d+$/.test(p)) {
      if (Number(p) < 1 || Number(p) > 65535) return bad;
    } else return bad;
  }
  return { port: text.split(',').map((p) => p.replace(/^0+(?=\d)/, '')).sort(humanCompare).join(',') };
}

function portMatches(spec: string, port: number): boolean {
  if (spec === 'any') return true;
  return spec.split(',').some((p) => {
    const r = /^(\d+):(\d+)$/.exec(p);
    return r ? port >= Number(r[1]) && port <= Number(r[2]) : Number(p) === port;
  });
}

// ---------------------------------------------------------------------------------------------
// The task's rule.

export interface UfwRuleArgs {
  rule: 'allow' | 'deny' | 'limit' | 'reject';
  direction: string | null;
  interface: string | null;
  interface_in: string | null;
  interface_out: string | null;
  route: boolean;
  log: boolean;
  from_ip: string;
  from_port: string | null;
  to_ip: string;
  to_port: string | null;
  proto: string | null;
  name: string | null;
  comment: string | null;
  delete: boolean;
  insert: number | null;
  insert_relative_to: string;
}

/** The ufw command line for the rule, as Ansible's ufw module builds it (without the leading `ufw`). */
export function ruleArgv(r: UfwRuleArgs, insertAt: number | null): string[] {
  const argv: string[] = [];
  if (r.route) argv.push('route');
  if (r.delete) argv.push('delete');
  if (insertAt !== null && !r.delete) argv.push('insert', String(insertAt));
  argv.push(r.rule);
  if (r.direction) argv.push(r.direction);
  if (r.interface) argv.push('on', r.interface);
  if (r.interface_in) argv.push('in', 'on', r.interface_in);
  if (r.interface_out) argv.push('out', 'on', r.interface_out);
  if (r.log) argv.push('log');
  if (r.from_ip) argv.push('from', r.from_ip);
  if (r.from_port) argv.push('port', r.from_port);
  if (r.to_ip) argv.push('to', r.to_ip);
  if (r.to_port) argv.push('port', r.to_port);
  if (r.proto) argv.push('proto', r.proto);
  if (r.name) argv.push('app', r.name);
  if (r.comment) argv.push('comment', r.comment);
  return argv;
}

/**
 * Checks the rule's addresses and ports as ufw will (its messages), before anything runs. Returns
 * a message naming the bad value, or undefined.
 */
export function checkRule(r: UfwRuleArgs): string | undefined {
  for (const [key, value, what] of [['from_ip', r.from_ip, 'source'], ['to_ip', r.to_ip, 'destination']] as const) {
    if (value.toLowerCase() !== 'any' && !ufwAddress(value)) return `ERROR: Bad ${what} address: ${key} '${value}' is not an IPv4 or IPv6 address or network`;
  }
  const from = r.from_ip.toLowerCase() === 'any' ? undefined : ufwAddress(r.from_ip)?.version;
  const to = r.to_ip.toLowerCase() === 'any' ? undefined : ufwAddress(r.to_ip)?.version;
  if (from && to && from !== to) return `ERROR: Mixed IP versions for 'from' and 'to': from_ip '${r.from_ip}' is IPv${from}, to_ip '${r.to_ip}' is IPv${to}`;
  for (const [key, value] of [['from_port', r.from_port], ['to_port', r.to_port]] as const) {
    if (value === null) continue;
    const p = ufwPort(value);
    if (p && 'error' in p) return `ERROR: ${p.error}: ${key} '${value}'`;
  }
  return undefined;
}

/**
 * The rule's tuples (IPv4, IPv6 or both, as ufw decides from the addresses and IPV6=), or
 * undefined when only ufw knows them (an application profile, a service name for a port).
 */
export function ruleTuples(r: UfwRuleArgs, ipv6: boolean): UfwTuple[] | undefined {
  if (r.name) return undefined;
  const ports: string[] = [];
  for (const value of [r.from_port, r.to_port]) {
    const p = value === null ? { port: 'any' } : ufwPort(value);
    if (!p || 'error' in p) return undefined;
    ports.push(p.port);
  }
  const from = r.from_ip.toLowerCase() === 'any' ? undefined : ufwAddress(r.from_ip);
  const to = r.to_ip.toLowerCase() === 'any' ? undefined : ufwAddress(r.to_ip);
  const version = from?.version ?? to?.version;
  if (version === 6 && !ipv6) return undefined;
  const families = version === 4 ? [false] : version === 6 ? [true] : ipv6 ? [false, true] : [false];
  let direction = r.direction ?? 'in';
  let interfaceIn = '';
  let interfaceOut = '';
  if (r.interface) {
    if (direction === 'out') interfaceOut = r.interface;
    else interfaceIn = r.interface;
  }
  if (r.interface_in) interfaceIn = r.interface_in;
  if (r.interface_out) interfaceOut = r.interface_out;
  if (!r.direction && !r.interface_in && r.interface_out) direction = 'out';
  return families.map((v6) => ({
    action: r.rule,
    logtype: r.log ? 'log' : '',
    forward: r.route,
    protocol: r.proto ?? 'any',
    dport: ports[1]!,
    dst: to ? to.normalized : v6 ? '::/0' : '0.0.0.0/0',
    sport: ports[0]!,
    src: from ? from.normalized : v6 ? '::/0' : '0.0.0.0/0',
    dapp: '',
    sapp: '',
    direction,
    interfaceIn,
    interfaceOut,
    comment: r.comment ? Buffer.from(r.comment, 'utf8').toString('hex') : '',
    v6,
  }));
}

/** UFWRule.match: 0 exact, -2 all but the comment, -1 all but action/log/comment, 1 no match. */
export function matchTuple(x: UfwTuple, y: UfwTuple): 0 | 1 | -1 | -2 {
  const keys = ['dport', 'sport', 'protocol', 'src', 'dst', 'v6', 'dapp', 'sapp', 'interfaceIn', 'interfaceOut', 'direction', 'forward'] as const;
  if (keys.some((k) => x[k] !== y[k])) return 1;
  if (x.action === y.action && x.logtype === y.logtype) return x.comment === y.comment ? 0 : -2;
  return -1;
}

/** The rule's effect on one family's tuples, as ufw's set_rule decides it: whether they change, and how. */
function applyTuple(rules: UfwTuple[], rule: UfwTuple, remove: boolean, position: number | null): { changed: boolean; rules: UfwTuple[] } {
  const results = rules.map((r) => matchTuple(r, rule));
  if (remove) {
    const i = results.findIndex((m) => m === 0 || (m === -2 && rule.comment === ''));
    if (i < 0) return { changed: false, rules };
    return { changed: true, rules: rules.filter((_, j) => j !== i) };
  }
  if (position !== null) {
    if (results.some((m) => m < 1)) return { changed: false, rules };
    const at = Math.max(0, Math.min(position - 1, rules.length));
    return { changed: true, rules: [...rules.slice(0, at), rule, ...rules.slice(at)] };
  }
  if (results.includes(0)) return { changed: false, rules };
  const i = results.findIndex((m) => m < 0);
  if (i >= 0) return { changed: true, rules: rules.map((r, j) => (j === i ? rule : r)) };
  return { changed: true, rules: [...rules, rule] };
}

/** Where Ansible inserts with insert_relative_to (from `ufw status numbered`: IPv4 rules, then IPv6). */
export function insertPosition(r: UfwRuleArgs, tuples: readonly UfwTuple[]): number | null {
  if (r.insert === null || r.delete) return null;
  if (r.insert_relative_to === 'zero') return r.insert;
  const v4 = tuples.filter((t) => !t.v6).length;
  const last = tuples.length;
  const relative = { 'first-ipv4': 1, 'last-ipv4': v4 > 0 ? v4 : 1, 'first-ipv6': v4 > 0 ? v4 + 1 : 1, 'last-ipv6': last > v4 ? last : last + 1 }[r.insert_relative_to] ?? 1;
  const at = r.insert + relative;
  return at > last ? null : at;
}

// ---------------------------------------------------------------------------------------------
// The whole task.

export interface UfwTask {
  state: 'enabled' | 'disabled' | 'reloaded' | 'reset' | null;
  default: UfwPolicy | null;
  direction: string | null;
  logging: string | null;
  rule: UfwRuleArgs | null;
}

/** The parts of the firewall a task can change. */
export interface FirewallModel {
  active: boolean;
  defaults: { incoming: UfwPolicy | ''; outgoing: UfwPolicy | ''; routed: UfwPolicy | '' };
  logLevel: string;
  tuples: UfwTuple[];
}

export interface UfwOp {
  /** The ufw command (argv, `ufw` first). */
  argv: string[];
  /** Whether it changes the firewall: known from the facts, or only ufw knows (an application rule). */
  change: 'yes' | 'no' | 'unknown';
  /** Ansible counts it as a change whatever it does (reload, reset). */
  always?: boolean;
}

export function modelOf(state: UfwState): FirewallModel {
  return { active: state.active, defaults: { ...state.defaults }, logLevel: state.logLevel, tuples: [...state.tuples] };
}

/** The commands of a task in Ansible's order (state, default, rule, logging), each with its predicted effect, and the firewall after them. */
export function planUfw(task: UfwTask, state: UfwState): { ops: UfwOp[]; after: FirewallModel; unknown: boolean } {
  const ops: UfwOp[] = [];
  let fw = modelOf(state);
  let unknown = false;
  if (task.state) {
    const verb = { enabled: 'enable', disabled: 'disable', reloaded: 'reload', reset: 'reset' }[task.state];
    const argv = ['ufw', '-f', verb];
    if (task.state === 'enabled') ops.push({ argv, change: fw.active ? 'no' : 'yes' });
    else if (task.state === 'disabled') ops.push({ argv, change: fw.active ? 'yes' : 'no' });
    else ops.push({ argv, change: 'yes', always: true });
    if (task.state === 'enabled') fw = { ...fw, active: true };
    if (task.state === 'disabled') fw = { ...fw, active: false };
    if (task.state === 'reset') fw = { active: false, defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' }, logLevel: 'low', tuples: [] };
  }
  if (task.default) {
    const direction = task.direction === 'outgoing' ? 'outgoing' : task.direction === 'routed' ? 'routed' : 'incoming';
    const current = fw.defaults[direction];
    ops.push({ argv: ['ufw', 'default', task.default, ...(task.direction ? [task.direction] : [])], change: current === task.default ? 'no' : 'yes' });
    fw = { ...fw, defaults: { ...fw.defaults, [direction]: task.default } };
  }
  if (task.rule) {
    const r = task.rule;
    const position = insertPosition(r, fw.tuples);
    const argv = ['ufw', ...ruleArgv(r, position)];
    const wanted = ruleTuples(r, state.ipv6);
    if (!wanted) {
      unknown = true;
      ops.push({ argv, change: 'unknown' });
    } else {
      let changed = false;
      let v4 = fw.tuples.filter((t) => !t.v6);
      let v6 = fw.tuples.filter((t) => t.v6);
      for (const t of wanted) {
        const pos = position === null ? null : t.v6 ? position - v4.length : position;
        const done = applyTuple(t.v6 ? v6 : v4, t, r.delete, pos === null ? null : Math.max(1, pos));
        changed ||= done.changed;
        if (t.v6) v6 = done.rules;
        else v4 = done.rules;
      }
      fw = { ...fw, tuples: [...v4, ...v6] };
      ops.push({ argv, change: changed ? 'yes' : 'no' });
    }
  }
  if (task.logging) {
    const value = task.logging;
    const current = fw.logLevel;
    // Ansible's reading: `on` keeps any level; `off` and a level change what differs.
    const change = value === 'off' ? current !== 'off' : current === 'off' || current === '' ? true : value !== 'on' && value !== current;
    ops.push({ argv: ['ufw', 'logging', value], change: change ? 'yes' : 'no' });
    fw = { ...fw, logLevel: value === 'on' ? (current === 'off' || current === '' ? 'low' : current) : value };
  }
  return { ops, after: fw, unknown };
}

// ---------------------------------------------------------------------------------------------
// The SSH connection in use.

export interface SshEndpoint {
  port: number;
  /** The client's address as the server sees it; undefined when not known (every source matches). */
  clientIp?: string;
  serverIp?: string;
  /** The interface the connection arrives on; undefined when not known (every interface matches). */
  interface?: string;
}

/** Whether a new TCP connection to the SSH port from the client would be let in (the user rules in order, then the default). */
export function sshAllowed(fw: FirewallModel, ssh: SshEndpoint): boolean {
  if (!fw.active) return true;
  const v6 = ssh.clientIp !== undefined && !parseIPv4(ssh.clientIp) && parseIPv6(ssh.clientIp) !== undefined;
  for (const t of fw.tuples) {
    if (t.v6 !== v6 || t.forward || t.direction !== 'in') continue;
    if (t.interfaceIn && ssh.interface && t.interfaceIn !== ssh.interface) continue;
    if (t.protocol !== 'any' && t.protocol !== 'tcp') continue;
    if (t.sport !== 'any' || !portMatches(t.dport, ssh.port)) continue;
    if (ssh.clientIp !== undefined && !addressIn(ssh.clientIp, t.src)) continue;
    if (ssh.serverIp !== undefined && !addressIn(ssh.serverIp, t.dst)) continue;
    return t.action === 'allow' || t.action === 'limit';
  }
  return fw.defaults.incoming === 'allow';
}
