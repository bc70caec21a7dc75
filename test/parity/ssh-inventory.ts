/**
 * Reaching a parity case's hosts over SSH instead of the local connection: every host (or group)
 * the inventory declares with `ansible_connection=local` gets the connection variables of a real
 * sshd on the loopback instead, logging in as root with the test client key and checking the
 * host key against the sshd's known_hosts. Hosts that already use another transport (the
 * deliberately unreachable `ansible_port=1` ones) and every other variable stay as they are, so
 * the case itself does not change, only how its hosts are reached.
 */

export interface SshTarget {
  port: number;
  user: string;
  /** Private key file of the client. */
  key: string;
  /** known_hosts holding the sshd's host key as `[127.0.0.1]:port`. */
  knownHosts: string;
}

/** The inventory variables that reach the target over ssh, in order. */
export function sshConnectionVars(t: SshTarget): Array<[string, string]> {
  return [
    ['ansible_connection', 'ssh'],
    ['ansible_host', '127.0.0.1'],
    ['ansible_port', String(t.port)],
    ['ansible_user', t.user],
    ['ansible_ssh_private_key_file', t.key],
    ['ansible_ssh_common_args', `'-o UserKnownHostsFile=${t.knownHosts}'`],
  ];
}

const LOCAL = /(^|\s)ansible_connection\s*=\s*local(?=\s|$)/;

/**
 * An INI inventory with `ansible_connection=local` replaced by the SSH variables: inline on host
 * lines, one variable a line in `[group:vars]` sections. Throws when nothing was replaced, so a
 * case whose hosts would silently stay local does not pass for an SSH run.
 */
export function sshInventory(text: string, target: SshTarget): string {
  const vars = sshConnectionVars(target);
  let section = '';
  let replaced = 0;
  const lines = text.split('\n').map((line) => {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!;
      return line;
    }
    if (/^\s*[#;]/.test(line) || !LOCAL.test(line)) return line;
    replaced++;
    if (section.endsWith(':vars')) return vars.map(([k, v]) => `${k}=${v}`).join('\n');
    return line.replace(LOCAL, `$1${vars.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  });
  if (replaced === 0) throw new Error(`the inventory declares no host with ansible_connection=local:\n${text}`);
  return lines.join('\n');
}
