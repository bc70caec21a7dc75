/**
 * The firewall as ufw keeps it, in one command: `ufw status verbose` (what Ansible's ufw module
 * compares before and after), the rule tuples of the user rules files (the `### tuple ###` lines
 * that `ufw` itself matches rules against), the policies and log level from ufw's own files (they
 * are right while ufw is inactive, when `status verbose` says nothing else), and the SSH connection
 * this command arrived on (`SSH_CONNECTION`, found in the environment of the nearest ancestor that
 * has it, since sudo drops it), with the interface that carries its server address.
 */
import { defineFact } from './fact.js';

/** One `### tuple ###` line: ufw's stored form of a rule. */
export interface UfwTuple {
  /** allow, deny, reject, limit. */
  action: string;
  /** '' or 'log' / 'log-all'. */
  logtype: string;
  /** A route (FORWARD) rule: `route:allow`. */
  forward: boolean;
  protocol: string;
  dport: string;
  dst: string;
  sport: string;
  src: string;
  /** Application profile names, '' when none. */
  dapp: string;
  sapp: string;
  /** in or out. */
  direction: string;
  interfaceIn: string;
  interfaceOut: string;
  /** The comment as ufw stores it: the UTF-8 bytes in hex, '' when none. */
  comment: string;
  /** From user6.rules. */
  v6: boolean;
}

export type UfwPolicy = 'allow' | 'deny' | 'reject';

export interface SshConnection {
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** The interface that has serverIp, '' when unknown. */
  interface: string;
}

export interface UfwState {
  installed: boolean;
  /** `ufw --version`'s first line (`ufw 0.36.2`). */
  version: string;
  /** `ufw status verbose` as printed (LANG=C). */
  statusVerbose: string;
  active: boolean;
  /** The rule tuples, IPv4 (user.rules) then IPv6 (user6.rules), in file order. */
  tuples: UfwTuple[];
  /** The default policies from /etc/default/ufw. */
  defaults: { incoming: UfwPolicy | ''; outgoing: UfwPolicy | ''; routed: UfwPolicy | '' };
  /** IPV6=yes in /etc/default/ufw: rules to `any` are added for IPv6 too. */
  ipv6: boolean;
  /** LOGLEVEL in /etc/ufw/ufw.conf (off, low, medium, high, full). */
  logLevel: string;
  /** The SSH connection the fact was read over; undefined on a local connection. */
  ssh: SshConnection | undefined;
}

const MARK = '@@playbook-ufw:';

const RULE_FILES = ['/lib/ufw/user.rules', '/lib/ufw/user6.rules', '/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/var/lib/ufw/user.rules', '/var/lib/ufw/user6.rules'];

/** The fact's command, also run after a plan to read the state it left (see the ufw module). */
export const UFW_STATE_COMMAND = `LANG=C; LC_ALL=C; export LANG LC_ALL
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v ufw >/dev/null 2>&1; then echo '${MARK}installed=no'; exit 0; fi
echo '${MARK}installed=yes'
printf '${MARK}version=%s\\n' "$(ufw --version 2>/dev/null | head -n 1)"
echo '${MARK}status'
ufw status verbose 2>&1
echo '${MARK}end'
for f in ${RULE_FILES.join(' ')}; do
  [ -f "$f" ] && grep '^### tuple' "$f" | sed "s|^|${MARK}tuple:$f:|"
done
sed -n 's/^\\(IPV6\\|DEFAULT_INPUT_POLICY\\|DEFAULT_OUTPUT_POLICY\\|DEFAULT_FORWARD_POLICY\\)=/${MARK}&/p' /etc/default/ufw 2>/dev/null
sed -n 's/^LOGLEVEL=/${MARK}&/p' /etc/ufw/ufw.conf 2>/dev/null
pid=$$
while [ "\${pid:-0}" -gt 1 ] 2>/dev/null; do
  c=$(tr '\\000' '\\n' < /proc/$pid/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p')
  if [ -n "$c" ]; then
    printf '${MARK}ssh=%s\\n' "$c"
    set -- $c
    printf '${MARK}ssh_if=%s\\n' "$(ip -o addr show to "$3" 2>/dev/null | awk '{print $2; exit}')"
    break
  fi
  pid=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
done
exit 0`;

/** A `### tuple ###` line as ufw reads it back (backend_iptables.py): 7 fields, or 9 with applications. */
export function parseTuple(line: string, v6: boolean): UfwTuple | undefined {
  let text = line.replace(/^### tuple ###\s*/, '');
  let comment = '';
  const c = text.indexOf(' comment=');
  if (c >= 0) {
    comment = text.slice(c + ' comment='.length).trim();
    text = text.slice(0, c);
  }
  const f = text.trim().split(/\s+/);
  if (f.length !== 7 && f.length !== 9) return undefined;
  let action = f[0]!;
  let forward = false;
  if (action.startsWith('route:')) {
    forward = true;
    action = action.slice('route:'.length);
  }
  let logtype = '';
  const u = action.indexOf('_');
  if (u >= 0) {
    logtype = action.slice(u + 1);
    action = action.slice(0, u);
  }
  const app = (a: string): string => (a === '-' ? '' : a.replace(/%20/g, ' '));
  const ifaces = f[f.length - 1]!;
  let direction = ifaces;
  let interfaceIn = '';
  let interfaceOut = '';
  const both = /^in_(.+)!out_(.+)$/.exec(ifaces);
  if (both) {
    direction = 'in';
    interfaceIn = both[1]!;
    interfaceOut = both[2]!;
  } else {
    const one = /^(in|out)_(.+)$/.exec(ifaces);
    if (one) {
      direction = one[1]!;
      if (direction === 'in') interfaceIn = one[2]!;
      else interfaceOut = one[2]!;
    }
  }
  return {
    action,
    logtype,
    forward,
    protocol: f[1]!,
    dport: f[2]!,
    dst: f[3]!,
    sport: f[4]!,
    src: f[5]!,
    dapp: f.length === 9 ? app(f[6]!) : '',
    sapp: f.length === 9 ? app(f[7]!) : '',
    direction,
    interfaceIn,
    interfaceOut,
    comment,
    v6,
  };
}

function policy(value: string | undefined): UfwPolicy | '' {
  const v = (value ?? '').replace(/"/g, '').trim().toUpperCase();
  return v === 'ACCEPT' ? 'allow' : v === 'DROP' ? 'deny' : v === 'REJECT' ? 'reject' : '';
}

export function parseUfwState(stdout: string): UfwState {
  const values = new Map<string, string>();
  const status: string[] = [];
  const tuples: UfwTuple[] = [];
  let inStatus = false;
  for (const line of stdout.split('\n')) {
    if (inStatus) {
      if (line === `${MARK}end`) inStatus = false;
      else status.push(line);
      continue;
    }
    if (!line.startsWith(MARK)) continue;
    const rest = line.slice(MARK.length);
    if (rest === 'status') {
      inStatus = true;
      continue;
    }
    if (rest.startsWith('tuple:')) {
      const m = /^tuple:([^:]*):(.*)$/.exec(rest);
      const t = m ? parseTuple(m[2]!, m[1]!.endsWith('user6.rules')) : undefined;
      if (t) tuples.push(t);
      continue;
    }
    const eq = rest.indexOf('=');
    if (eq > 0 && !values.has(rest.slice(0, eq))) values.set(rest.slice(0, eq), rest.slice(eq + 1));
  }
  const statusVerbose = status.join('\n');
  let ssh: SshConnection | undefined;
  const conn = (values.get('ssh') ?? '').trim().split(/\s+/);
  if (conn.length === 4) ssh = { clientIp: conn[0]!, clientPort: Number(conn[1]), serverIp: conn[2]!, serverPort: Number(conn[3]), interface: (values.get('ssh_if') ?? '').trim() };
  return {
    installed: values.get('installed') === 'yes',
    version: (values.get('version') ?? '').trim(),
    statusVerbose,
    // "active" would also match "inactive": Ansible looks for " active" too.
    active: /^Status: active\b/m.test(statusVerbose),
    tuples: [...tuples.filter((t) => !t.v6), ...tuples.filter((t) => t.v6)],
    defaults: { incoming: policy(values.get('DEFAULT_INPUT_POLICY')), outgoing: policy(values.get('DEFAULT_OUTPUT_POLICY')), routed: policy(values.get('DEFAULT_FORWARD_POLICY')) },
    ipv6: (values.get('IPV6') ?? '').replace(/"/g, '').trim().toLowerCase() === 'yes',
    logLevel: (values.get('LOGLEVEL') ?? '').replace(/"/g, '').trim(),
    ssh,
  };
}

export const ufw = defineFact({
  name: 'ufw',
  command: UFW_STATE_COMMAND,
  parse: (stdout: string): UfwState => parseUfwState(stdout),
});
