/** SSH connection settings from Ansible's connection variables (ansible_host, ansible_port, ...). */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';

export interface SshOptions {
  /** Address to dial (ansible_host, else the inventory name). */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order (ansible_ssh_private_key_file, else ~/.ssh/id_*). */
  keyFiles: string[];
  /** ssh-agent socket (SSH_AUTH_SOCK), tried after the key files. */
  agent?: string;
  password?: string;
  hostKeyChecking: boolean;
  knownHostsFiles: string[];
  connectTimeoutMs: number;
  /** Extra attempts after a refused or timed-out connect. */
  retries: number;
  /** Channels open at once; OpenSSH's default MaxSessions is 10. */
  maxSessions: number;
  keepaliveMs: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Ansible booleans: true/yes/on/1 and their opposites, case-insensitive. */
export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1', 'y', 't'].includes(s)) return true;
  if (['false', 'no', 'off', '0', 'n', 'f'].includes(s)) return false;
  return undefined;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}

/** `-o UserKnownHostsFile=...` and `-o StrictHostKeyChecking=no` inside ansible_ssh_common_args. */
function fromCommonArgs(args: string | undefined): { knownHosts?: string; strict?: boolean } {
  const out: { knownHosts?: string; strict?: boolean } = {};
  if (!args) return out;
  for (const m of args.matchAll(/-o\s*['"]?(\w+)\s*=\s*([^\s'"]+)/g)) {
    const [, key = '', value = ''] = m;
    if (/^UserKnownHostsFile$/i.test(key)) out.knownHosts = value;
    if (/^StrictHostKeyChecking$/i.test(key)) out.strict = !/^(no|off|accept-new)$/i.test(value);
  }
  return out;
}

export function sshOptionsFromVars(host: string, vars: (name: string) => unknown, env: NodeJS.ProcessEnv = process.env): SshOptions {
  const first = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = str(vars(n));
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const common = fromCommonArgs([first('ansible_ssh_common_args'), first('ansible_ssh_extra_args')].filter(Boolean).join(' '));
  const explicitKey = first('ansible_ssh_private_key_file', 'ansible_private_key_file');
  const home = homedir();
  const keyFiles = explicitKey ? [expandHome(explicitKey)] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(home, '.ssh', k));
  const checking = toBool(vars('ansible_host_key_checking')) ?? toBool(vars('ansible_ssh_host_key_checking')) ?? toBool(env['ANSIBLE_HOST_KEY_CHECKING']) ?? common.strict ?? true;
  const opts: SshOptions = {
    address: first('ansible_host', 'ansible_ssh_host') ?? host,
    port: Number(first('ansible_port', 'ansible_ssh_port') ?? 22),
    user: first('ansible_user', 'ansible_ssh_user') ?? env['USER'] ?? userInfo().username,
    keyFiles,
    hostKeyChecking: checking,
    knownHostsFiles: common.knownHosts ? [expandHome(common.knownHosts)] : [path.join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'],
    connectTimeoutMs: Number(first('ansible_ssh_timeout', 'ansible_timeout') ?? 10) * 1000,
    retries: Number(first('ansible_ssh_retries') ?? 3),
    maxSessions: Number(first('ansible_ssh_max_sessions') ?? 10),
    keepaliveMs: 15_000,
  };
  const password = first('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password');
  if (password !== undefined) opts.password = password;
  const agent = env['SSH_AUTH_SOCK'];
  if (agent) opts.agent = agent;
  return opts;
}
