/**
 * INI inventories, read as Ansible's ini plugin reads them. Lines before any section are hosts of
 * `ungrouped`; `[g]` holds hosts (with key=value pairs, ranges and `:port`), `[g:vars]` key=value
 * lines, `[g:children]` group names, which may be declared further down. Every value goes through
 * Python's literal_eval (`4` is an int, `true` stays a string, `"a b"` loses its quotes), in
 * `[g:vars]` as well as on host lines. Comments start with `#` or `;`.
 */
import { pyLiteralEval } from '../python/literal.js';
import { trustLoaded } from '../python/trust.js';
import { InventoryError, didYouMean } from './errors.js';
import { expandHostPattern } from './hostrange.js';
import { invalidGroupNameWarning, type InventoryData } from './model.js';
import { ShlexError, split as shlexSplit } from '../python/shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/u;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;
const SECTION_KINDS = ['hosts', 'children', 'vars'];

type SectionKind = 'hosts' | 'children' | 'vars';

interface Pending {
  line: number;
  kind: 'children' | 'vars';
  name: string;
  parents: string[];
}

/** Python's str.splitlines() separators. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u;
/** Python's str.strip() whitespace (a BOM is not whitespace to Python). */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'gu');

export function pyStrip(text: string): string {
  return text.replace(STRIP, '');
}

/** Parses INI text into `data`. `file` is how the file is named in errors. */
export function parseIniInventory(text: string, file: string, data: InventoryData, warnings: string[]): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';
  let lineNumber = 0;
  const fail = (message: string, line = lineNumber): never => {
    throw new InventoryError(message, { file, line });
  };

  const addPendingChildren = (name: string): void => {
    const entry = pending.get(name);
    if (!entry) return;
    for (const parent of entry.parents) {
      data.addChild(parent, name);
      if (pending.get(parent)?.kind === 'children') addPendingChildren(parent);
    }
    pending.delete(name);
  };

  for (const rawLine of text.split(LINE_BREAK)) {
    lineNumber++;
    const line = pyStrip(rawLine);
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1] ?? '';
      const tag = section[2] ?? 'hosts';
      if (!SECTION_KINDS.includes(tag)) {
        fail(`Section [${group}:${tag}] has unknown type: ${tag}.${didYouMean(tag, SECTION_KINDS)}`);
      }
      kind = tag as SectionKind;
      const warning = invalidGroupNameWarning(group);
      if (warning) warnings.push(`${file}:${lineNumber}: ${warning}`);
      if (!data.groups.has(group)) {
        // [g:vars] alone does not declare g; it must be declared elsewhere (checked at the end).
        if (kind === 'vars' && !pending.has(group)) pending.set(group, { line: lineNumber, kind, name: group, parents: [] });
        data.addGroup(group);
      }
      const waiting = pending.get(group);
      if (waiting && kind !== 'vars') {
        if (waiting.kind === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(
        `Invalid section entry: '${line}'. Please make sure that there are no spaces in the section entry, ` +
          'and that there are no other invalid characters',
      );
    }

    if (kind === 'hosts') parseHostLine(line, group, data, fail);
    else if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`Expected key=value, got: ${line}`);
      data.setVariable(group, pyStrip(line.slice(0, eq)), parseIniValue(pyStrip(line.slice(eq + 1))));
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) fail(`Expected group name, got: ${line}`);
      const child = m?.[1] ?? '';
      if (data.groups.has(child)) data.addChild(group, child);
      else {
        const entry = pending.get(child);
        if (entry) entry.parents.push(group);
        else pending.set(child, { line: lineNumber, kind: 'children', name: child, parents: [group] });
      }
    }
  }

  // A group referenced but never declared: report the first, as Ansible does.
  for (const entry of pending.values()) {
    const known = [...data.groups.keys()].filter((g) => !pending.has(g));
    if (entry.kind === 'vars') {
      fail(`Section [${entry.name}:vars] not valid for undefined group '${entry.name}'.${didYouMean(entry.name, known)}`, entry.line);
    }
    const parent = entry.parents[entry.parents.length - 1] ?? '';
    fail(`Section [${parent}:children] includes undefined group '${entry.name}'.${didYouMean(entry.name, known)}`, entry.line);
  }
}

function parseHostLine(line: string, group: string, data: InventoryData, fail: (message: string) => never): void {
  let tokens: string[];
  try {
    tokens = shlexSplit(line, { comments: true });
  } catch (e) {
    if (!(e instanceof ShlexError)) throw e;
    return fail(`Error parsing host definition '${line}': ${e.message}`);
  }
  const pattern = tokens[0] ?? '';
  const { names, port } = expandIniHostPattern(pattern, fail);
  const vars: Array<[string, unknown]> = [];
  for (const token of tokens.slice(1)) {
    const eq = token.indexOf('=');
    if (eq < 0) fail(`Expected key=value host variable assignment, got: ${token}`);
    vars.push([token.slice(0, eq), parseIniValue(token.slice(eq + 1))]);
  }
  for (const name of names) {
    data.addHost(name, group, port);
    for (const [key, value] of vars) data.setVariable(name, key, value);
  }
}

function expandIniHostPattern(pattern: string, fail: (message: string) => never): { names: string[]; port: number | undefined } {
  let expanded: { names: string[]; port: number | undefined };
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    if (!(e instanceof InventoryError)) throw e;
    return fail(`${e.message} (in '${pattern}')`);
  }
  if (pyStrip(pattern).endsWith(':') && expanded.port === undefined) {
    fail(`Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`);
  }
  if (expanded.names.some((name) => pyStrip(name) === '---')) {
    fail(`Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file.`);
  }
  return expanded;
}

/** An INI value: what literal_eval makes of it, or the text itself. */
export function parseIniValue(text: string): unknown {
  const literal = pyLiteralEval(text);
  // What the user wrote is trusted as a template (Ansible's TrustedAsTemplate).
  return trustLoaded(literal.ok ? literal.value : text);
}
