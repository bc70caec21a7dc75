/**
 * The parts of OpenSSH's client configuration (~/.ssh/config) that decide where and as whom we
 * connect: Host blocks with patterns and negation, Include, and the keywords HostName, Port, User,
 * IdentityFile, ProxyJump, UserKnownHostsFile and StrictHostKeyChecking. As in ssh, the first value
 * found for a keyword wins (IdentityFile accumulates), so specific blocks go first in the file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fnmatchRegExp } from '../python/fnmatch.js';

export interface SshConfigEntry {
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
}

interface Line {
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

/** ssh's argument splitting: whitespace or one `=` separates; double quotes group. */
function splitLine(text: string): { keyword: string; args: string[] } | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.startsWith('#')) return undefined;
  const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(trimmed);
  if (!m) return { keyword: trimmed.toLowerCase(), args: [] };
  const args: string[] = [];
  for (const t of (m[2] ?? '').matchAll(/"([^"]*)"|(\S+)/g)) args.push(t[1] ?? t[2] ?? '');
  return { keyword: (m[1] ?? '').toLowerCase(), args };
}

function expandTilde(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p;
}

/** OpenSSH's Host patterns: `*` and `?` only, case-insensitive. */
function sshPattern(pattern: string): RegExp {
  return fnmatchRegExp(pattern, { classes: false, ignoreCase: true });
}

/** A Host line's patterns: any positive match and no negated match. */
export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let hit = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (sshPattern(p.slice(1)).test(host)) return false;
    } else if (sshPattern(p).test(host)) hit = true;
  }
  return hit;
}

function readLines(file: string, home: string, depth: number): Line[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const parsed = splitLine(raw);
    if (!parsed) return;
    if (parsed.keyword === 'include' && depth < 8) {
      for (const pattern of parsed.args) {
        const full = path.isAbsolute(expandTilde(pattern, home)) ? expandTilde(pattern, home) : path.join(home, '.ssh', pattern);
        for (const f of expandGlob(full)) out.push(...readLines(f, home, depth + 1));
      }
      return;
    }
    out.push({ ...parsed, file, line: i + 1 });
  });
  return out;
}

/** Include's globbing, enough for `config.d/*`: wildcards in the last path component only. */
function expandGlob(pattern: string): string[] {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?]/.test(base)) return [pattern];
  try {
    const re = fnmatchRegExp(base);
    return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Expands ssh's %h %p %r %u %% tokens in a value. */
function tokens(value: string, host: string, port: number, user: string): string {
  return value.replace(/%([hpru%])/g, (_m, t: string) => (t === 'h' ? host : t === 'p' ? String(port) : t === 'r' || t === 'u' ? user : '%'));
}

/** What ~/.ssh/config (or `file`) says for `host`; empty when there is no file. */
export function resolveSshConfig(host: string, options: { file?: string; home?: string } = {}): SshConfigEntry {
  const home = options.home ?? homedir();
  const lines = readLines(options.file ?? path.join(home, '.ssh', 'config'), home, 0);
  const entry: SshConfigEntry = { identityFiles: [] };
  let active = true; // lines before the first Host apply to every host
  for (const { keyword, args } of lines) {
    if (keyword === 'host') {
      active = hostPatternsMatch(args, host);
      continue;
    }
    if (keyword === 'match') {
      // Only `Match all` is understood; other criteria never match here rather than wrongly matching.
      active = args.length === 1 && args[0]?.toLowerCase() === 'all';
      continue;
    }
    if (!active || args.length === 0) continue;
    const value = args[0] ?? '';
    switch (keyword) {
      case 'hostname':
        entry.hostName ??= value.replace(/%h/g, host);
        break;
      case 'port':
        entry.port ??= Number(value);
        break;
      case 'user':
        entry.user ??= value;
        break;
      case 'identityfile':
        entry.identityFiles.push(value);
        break;
      case 'proxyjump':
        entry.proxyJump ??= value;
        break;
      case 'userknownhostsfile':
        entry.userKnownHostsFiles ??= args.map((a) => expandTilde(a, home));
        break;
      case 'stricthostkeychecking':
        entry.strictHostKeyChecking ??= value.toLowerCase();
        break;
      default:
        break;
    }
  }
  const port = entry.port ?? 22;
  const user = entry.user ?? '';
  entry.identityFiles = entry.identityFiles.map((f) => expandTilde(tokens(f, entry.hostName ?? host, port, user), home));
  return entry;
}

export interface JumpHost {
  host: string;
  port?: number;
  user?: string;
}

/** `[user@]host[:port]` hops of a ProxyJump value (comma-separated); `none` means no jump. */
export function parseProxyJump(value: string): JumpHost[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((spec) => {
    let rest = spec.trim().replace(/^ssh:\/\//, '');
    const hop: JumpHost = { host: '' };
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      hop.user = rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
    const plain = /^([^:]+)(?::(\d+))?$/.exec(rest);
    const m = bracket ?? plain;
    if (!m || !m[1]) throw new Error(`invalid ProxyJump host '${spec.trim()}': expected [user@]host[:port]`);
    hop.host = m[1];
    if (m[2]) hop.port = Number(m[2]);
    return hop;
  });
}
