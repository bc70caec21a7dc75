/**
 * OpenSSH known_hosts checking: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`
 * for non-default ports, and `@revoked` markers. Keys are compared as raw wire blobs, so the key
 * type needs no parsing here.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type HostKeyVerdict = 'match' | 'unknown' | 'changed' | 'revoked';

/** `SHA256:<base64 without padding>`, as ssh-keygen -l and OpenSSH's prompts print it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type named inside a wire-format key blob (e.g. ssh-ed25519). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

/** How a host is written in known_hosts: the bare name on port 22, `[name]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  // Wildcards as in OpenSSH: * any run, ? one character; a leading ! negates (handled by caller).
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(name);
}

function hostMatches(field: string, name: string): boolean {
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) hit = true;
  }
  return hit;
}

/** Checks `key` for `host`:`port` against the text of known_hosts files. */
export function checkKnownHosts(texts: readonly string[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = hostEntryName(host, port);
  const type = keyType(key);
  let sameTypeOther = false;
  let match = false;
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
      const [hosts, entryType, blob] = fields;
      if (hosts === undefined || entryType === undefined || blob === undefined) continue;
      if (marker === '@cert-authority' || !hostMatches(hosts, name)) continue;
      const same = Buffer.from(blob, 'base64').equals(key);
      if (marker === '@revoked') {
        if (same) return 'revoked';
        continue;
      }
      if (same) match = true;
      else if (entryType === type) sameTypeOther = true;
    }
  }
  if (match) return 'match';
  return sameTypeOther ? 'changed' : 'unknown';
}

/** Reads the files that exist; a missing known_hosts simply knows no hosts. */
export async function readKnownHosts(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    try {
      out.push(await readFile(f, 'utf8'));
    } catch {
      // absent or unreadable: nothing known from it
    }
  }
  return out;
}
