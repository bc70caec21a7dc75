/**
 * Which Debian mirror the base image is built from: the one this machine's apt already uses for the
 * same suite (a mirror that works here, maybe an intranet one), else deb.debian.org.
 * PLAYBOOK_DEBIAN_MIRROR and PLAYBOOK_DEBIAN_SECURITY_MIRROR override both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface AptSource {
  uri: string;
  suite: string;
}

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_SECURITY = 'http://deb.debian.org/debian-security';

/** `deb` entries of a one-line sources.list (`deb [options] URI suite components...`). */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m?.[1] && m[2]) out.push({ uri: m[1], suite: m[2] });
  }
  return out;
}

/** `deb` entries of a deb822 .sources file (stanzas of Types, URIs, Suites; Enabled: no skips one). */
export function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw)) {
        if (last) fields.set(last, `${fields.get(last) ?? ''} ${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m?.[1]) fields.set((last = m[1].toLowerCase()), m[2] ?? '');
    }
    const words = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || /^(no|false)$/i.test(fields.get('enabled') ?? '')) continue;
    for (const uri of words('uris')) for (const suite of words('suites')) out.push({ uri, suite });
  }
  return out;
}

/** Every `deb` source apt on this machine reads; none when there is no apt. */
export function hostAptSources(root = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  out.push(...parseSourcesList(read(path.join(root, 'sources.list'))));
  let names: string[] = [];
  try {
    names = readdirSync(path.join(root, 'sources.list.d')).sort();
  } catch {
    // no sources.list.d
  }
  for (const name of names) {
    const text = read(path.join(root, 'sources.list.d', name));
    if (name.endsWith('.list')) out.push(...parseSourcesList(text));
    else if (name.endsWith('.sources')) out.push(...parseDeb822(text));
  }
  return out;
}

/** The `deb` lines for mmdebstrap: the suite, its -updates and its -security, main component. */
export function debianSources(suite: string, sources: readonly AptSource[] = hostAptSources(), env: NodeJS.ProcessEnv = process.env): string[] {
  const find = (s: string): string | undefined => sources.find((x) => x.suite === s)?.uri.replace(/\/+$/, '');
  const mirror = env['PLAYBOOK_DEBIAN_MIRROR'] || find(suite) || DEFAULT_MIRROR;
  const security = env['PLAYBOOK_DEBIAN_SECURITY_MIRROR'] || find(`${suite}-security`) || DEFAULT_SECURITY;
  return [`deb ${mirror} ${suite} main`, `deb ${mirror} ${suite}-updates main`, `deb ${security} ${suite}-security main`];
}
