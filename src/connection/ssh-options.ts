/**
 * SSH connection settings from Ansible's connection variables (ansible_host, ansible_port, ...),
 * the ssh arguments Ansible users put in ansible_ssh_common_args/extra_args, and ~/.ssh/config,
 * with OpenSSH's precedence: command-line values (the variables) first, then the config file.
 */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { type JumpHost, parseProxyJump, resolveSshConfig } from './ssh-config.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Where one hop (a bastion or the target) is dialled and how it is authenticated. */
export interface SshEndpoint {
  /** The name to dial (after ~/.ssh/config HostName). */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order. */
  keyFiles: string[];
}

export interface SshOptions extends SshEndpoint {
  /** Bastions to pass through, in order (ProxyJump). */
  jumps: SshEndpoint[];
  /** ssh-agent socket (SSH_AUTH_SOCK), tried after the key files. */
  agent?: string;
  password?: string;
  /** Passphrase for encrypted private keys (PLAYBOOK_SSH_KEY_PASSPHRASE). */
  keyPassphrase?: string;
  hostKeyPolicy: HostKeyPolicy;
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

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p;
}

/** The ssh options we honour from an ssh argument string: `-o Key=Value`, `-o Key Value`, `-J`, `-i`, `-p`, `-l`, `-F`. */
export interface SshArgs {
  options: Map<string, string>;
  identityFiles: string[];
}

/** Splits like a shell (quotes, backslashes), enough for ssh argument strings. */
function shellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      cur += s.slice(i + 1, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) cur += s[j] === '\\' && j + 1 < s.length ? s[++j] : s[j];
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export function parseSshArgs(args: string): SshArgs {
  const out: SshArgs = { options: new Map(), identityFiles: [] };
  const words = shellWords(args);
  const set = (key: string, value: string): void => {
    const k = key.toLowerCase();
    if (!out.options.has(k)) out.options.set(k, value); // ssh: the first value wins
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const flag = /^-([oJiplF])(.*)$/.exec(w);
    if (!flag) continue;
    const value = flag[2] ? flag[2] : (words[++i] ?? '');
    if (flag[1] === 'o') {
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(value);
      if (m?.[1]) set(m[1], (m[2] ?? '').trim());
      else if (/^[A-Za-z]+$/.test(value) && words[i + 1] !== undefined) set(value, words[++i] ?? '');
    } else if (flag[1] === 'J') set('proxyjump', value);
    else if (flag[1] === 'i') out.identityFiles.push(value);
    else if (flag[1] === 'p') set('port', value);
    else if (flag[1] === 'l') set('user', value);
    else if (flag[1] === 'F') set('configfile', value);
  }
  return out;
}

export interface SshSettings {
  env?: NodeJS.ProcessEnv;
  /** The client config file; default ~/.ssh/config. */
  sshConfigFile?: string;
  home?: string;
}

/** OpenSSH's StrictHostKeyChecking values as our policy. */
function policyOf(value: string | undefined): HostKeyPolicy | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'accept-new') return 'accept-new';
  if (['no', 'off', 'false'].includes(v)) return 'off';
  return 'strict'; // yes, ask (nobody answers a prompt here)
}

export function sshOptionsFromVars(host: string, vars: (name: string) => unknown, envOrSettings: NodeJS.ProcessEnv | SshSettings = process.env): SshOptions {
  const settings: SshSettings = 'env' in envOrSettings || 'sshConfigFile' in envOrSettings || 'home' in envOrSettings ? (envOrSettings as SshSettings) : { env: envOrSettings as NodeJS.ProcessEnv };
  const env = settings.env ?? process.env;
  const home = settings.home ?? homedir();
  const first = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = str(vars(n));
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const args = parseSshArgs([first('ansible_ssh_common_args'), first('ansible_ssh_extra_args'), first('ansible_ssh_args')].filter(Boolean).join(' '));
  const opt = (name: string): string | undefined => args.options.get(name.toLowerCase());
  const alias = first('ansible_host', 'ansible_ssh_host') ?? host;
  const configFile = opt('configfile') ?? settings.sshConfigFile;
  const config = resolveSshConfig(alias, { home, ...(configFile ? { file: configFile } : {}) });
  const defaultKeys = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(home, '.ssh', k));
  const explicitKey = first('ansible_ssh_private_key_file', 'ansible_private_key_file');
  const keyFiles = [...(explicitKey ? [explicitKey] : []), ...args.identityFiles, ...config.identityFiles].map((f) => expandHome(f, home));
  const loginUser = env['USER'] ?? userInfo().username;

  const explicitChecking = toBool(vars('ansible_host_key_checking')) ?? toBool(vars('ansible_ssh_host_key_checking')) ?? toBool(env['ANSIBLE_HOST_KEY_CHECKING']);
  const hostKeyPolicy: HostKeyPolicy = explicitChecking === false ? 'off' : (policyOf(opt('StrictHostKeyChecking')) ?? policyOf(config.strictHostKeyChecking) ?? 'strict');
  const knownHosts = opt('UserKnownHostsFile');
  const knownHostsFiles = knownHosts ? knownHosts.split(/\s+/).map((f) => expandHome(f, home)) : (config.userKnownHostsFiles ?? [path.join(home, '.ssh', 'known_hosts')]);

  // Each bastion is resolved through ~/.ssh/config too, as ssh does for its jump connections.
  const jumpSpec = opt('ProxyJump') ?? config.proxyJump;
  const jumps = jumpSpec ? parseProxyJump(jumpSpec).map((hop: JumpHost): SshEndpoint => {
    const hc = resolveSshConfig(hop.host, { home, ...(configFile ? { file: configFile } : {}) });
    return {
      address: hc.hostName ?? hop.host,
      port: hop.port ?? hc.port ?? 22,
      user: hop.user ?? hc.user ?? loginUser,
      keyFiles: [...hc.identityFiles, ...keyFiles, ...defaultKeys].filter((f, i, all) => all.indexOf(f) === i),
    };
  }) : [];

  const opts: SshOptions = {
    address: opt('HostName') ?? config.hostName ?? alias,
    port: Number(first('ansible_port', 'ansible_ssh_port') ?? opt('Port') ?? config.port ?? 22),
    user: first('ansible_user', 'ansible_ssh_user') ?? opt('User') ?? config.user ?? loginUser,
    // As in ssh, the default identities are offered only when no IdentityFile was given.
    keyFiles: keyFiles.length ? keyFiles.filter((f, i, all) => all.indexOf(f) === i) : defaultKeys,
    jumps,
    hostKeyPolicy,
    knownHostsFiles: [...knownHostsFiles, '/etc/ssh/ssh_known_hosts'],
    connectTimeoutMs: Number(first('ansible_ssh_timeout', 'ansible_timeout') ?? opt('ConnectTimeout') ?? 10) * 1000,
    retries: Number(first('ansible_ssh_retries') ?? 3),
    maxSessions: Number(first('ansible_ssh_max_sessions') ?? 10),
    keepaliveMs: 15_000,
  };
  const password = first('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password');
  if (password !== undefined) opts.password = password;
  const passphrase = env['PLAYBOOK_SSH_KEY_PASSPHRASE'];
  if (passphrase !== undefined) opts.keyPassphrase = passphrase;
  const agent = env['SSH_AUTH_SOCK'];
  if (agent) opts.agent = agent;
  return opts;
}
