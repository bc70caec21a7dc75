/**
 * Host patterns (`hosts:` of a play, `--limit`), evaluated as Ansible's InventoryManager does:
 * `a,b` or `a:b` unions, `&b` intersections and `!b` exclusions (applied after all unions, in that
 * order), names of hosts or groups, `all`/`*`, shell globs, `~regex` (matched at the start of the
 * name), subscripts `g[0]`, `g[-1]`, `g[1:3]` (inclusive), `g[2:]`, and `@file` (one pattern per
 * line, as a retry file holds them). A pattern that matches nothing adds nothing; the caller is
 * told through `unmatched` so it can warn as Ansible does.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InventoryError, didYouMean } from './errors.js';
import { parseAddress } from './hostrange.js';
import { LOCALHOST_NAMES, type Host, type InventoryData } from './model.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { translatePattern } from '../python/regex.js';

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

export interface PatternResult {
  hosts: Host[];
  /** One message per sub-pattern that matched no host and no group. */
  unmatched: string[];
}

/** Splits `a,b` / `a:b:&c:!d` into single patterns (a lone address such as `h:22` stays whole). */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export class PatternMatcher {
  private readonly unmatched: string[] = [];

  constructor(
    private readonly data: InventoryData,
    private readonly cwd: string,
  ) {}

  resolve(pattern: string | readonly string[]): PatternResult {
    const patterns = this.expandFiles(typeof pattern === 'string' ? splitHostPattern(pattern) : pattern.flatMap(splitHostPattern));
    const hosts = dedupe(this.evaluate(patterns));
    return { hosts, unmatched: [...this.unmatched] };
  }

  /** `@file` items become the patterns listed in the file, one per line. */
  private expandFiles(patterns: string[]): string[] {
    return patterns.flatMap((p) => {
      if (!p.startsWith('@')) return [p];
      const file = path.resolve(this.cwd, p.slice(1));
      let isFile: boolean;
      try {
        isFile = statSync(file).isFile();
      } catch {
        throw new InventoryError(`Unable to find limit file ${p.slice(1)}`);
      }
      if (!isFile) throw new InventoryError(`Limit starting with "@" must be a file, not a directory: ${p.slice(1)}`);
      return readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim());
    });
  }

  private evaluate(patterns: string[]): Host[] {
    let hosts: Host[] = [];
    for (const p of orderPatterns(patterns)) {
      const exact = this.data.hosts.get(p);
      if (exact) {
        hosts.push(exact);
        continue;
      }
      const matched = this.matchOne(p);
      if (p.startsWith('!')) {
        const excluded = new Set(matched);
        hosts = hosts.filter((h) => !excluded.has(h));
      } else if (p.startsWith('&')) {
        const kept = new Set(matched);
        hosts = hosts.filter((h) => kept.has(h));
      } else {
        const existing = new Set(hosts.map((h) => h.name));
        hosts.push(...matched.filter((h) => !existing.has(h.name)));
      }
    }
    return hosts;
  }

  private matchOne(withPrefix: string): Host[] {
    const pattern = withPrefix.startsWith('&') || withPrefix.startsWith('!') ? withPrefix.slice(1) : withPrefix;
    const { expression, subscript } = splitSubscript(pattern);
    const hosts = this.enumerate(expression);
    if (hosts.length === 0 || !subscript) return hosts;
    const [start, end] = subscript;
    if (end === undefined) {
      const host = hosts[start < 0 ? hosts.length + start : start];
      if (!host) throw new InventoryError(`No hosts matched the subscripted pattern '${pattern}'`);
      return [host];
    }
    // Python's hosts[start:end + 1] (end -1 meaning "to the last").
    const last = end === -1 ? hosts.length - 1 : end;
    return hosts.slice(start, last + 1);
  }

  /** Hosts of every group the pattern names, then (for globs, regexes or no group) matching hosts. */
  private enumerate(pattern: string): Host[] {
    const matches = matcher(pattern);
    const results: Host[] = [];
    const groups = [...this.data.groups.keys()].filter(matches);
    for (const name of groups) results.push(...(this.data.groups.get(name)?.allHosts() ?? []));
    if (groups.length === 0 || pattern.startsWith('~') || /[.?*[]/.test(pattern)) {
      for (const [name, host] of this.data.hosts) if (matches(name)) results.push(host);
    }
    if (results.length === 0 && LOCALHOST_NAMES.includes(pattern)) {
      const localhost = this.data.getHost(pattern);
      if (localhost) results.push(localhost);
    }
    if (results.length === 0 && groups.length === 0 && pattern !== 'all') {
      const names = [...this.data.groups.keys(), ...this.data.hosts.keys()];
      const hint = didYouMean(pattern, names);
      this.unmatched.push(`Could not match supplied host pattern, ignoring: ${pattern}${hint ? '.' + hint : ''}`);
    }
    return results;
  }
}

/** Unions first, then intersections, then exclusions; only exclusions means "all but". */
function orderPatterns(patterns: string[]): string[] {
  const regular = patterns.filter((p) => p && !p.startsWith('!') && !p.startsWith('&'));
  const intersections = patterns.filter((p) => p.startsWith('&'));
  const exclusions = patterns.filter((p) => p.startsWith('!'));
  return [...(regular.length > 0 ? regular : ['all']), ...intersections, ...exclusions];
}

function splitSubscript(pattern: string): { expression: string; subscript: [number, number | undefined] | undefined } {
  if (pattern.startsWith('~')) return { expression: pattern, subscript: undefined };
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return { expression: pattern, subscript: undefined };
  const expression = m[1] ?? '';
  if (m[2] !== undefined) return { expression, subscript: [Number(m[2]), undefined] };
  const start = Number(m[3]);
  const end = m[5] ? Number(m[5]) : -1;
  // Python: `if end:` — a zero end means a single host, as [start] would.
  return { expression, subscript: [start, end === 0 ? undefined : end] };
}

/** Shell glob (whole name, case-sensitive) or, after `~`, a regex anchored at the start. */
function matcher(pattern: string): (name: string) => boolean {
  let regex: RegExp;
  try {
    if (pattern.startsWith('~')) {
      const { source, flags } = translatePattern(pattern.slice(1));
      regex = new RegExp(`^(?:${source})`, flags);
    } else regex = fnmatchRegExp(pattern);
  } catch {
    throw new InventoryError(`Invalid host list pattern: ${pattern}`);
  }
  return (name) => regex.test(name);
}

function dedupe(hosts: Host[]): Host[] {
  return [...new Set(hosts)];
}
