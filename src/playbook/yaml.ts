/**
 * YAML files read as Ansible reads them (PyYAML 1.1 scalars), keeping where every mapping,
 * sequence, key and value came from, so that any later error can name file:line:column.
 */
import { readFileSync } from 'node:fs';
import YAML, { type Document, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { trustLoaded } from '../python/trust.js';
import { PYYAML_OPTIONS, UNSAFE_TAGS } from '../yaml/pyyaml.js';
import { type Location, PlaybookError } from './errors.js';

const objectLocations = new WeakMap<object, Location>();
const keyLocations = new WeakMap<object, Map<string | number, Location>>();

/** Where a loaded mapping or list starts. */
export function locationOf(value: unknown): Location | undefined {
  return typeof value === 'object' && value !== null ? objectLocations.get(value) : undefined;
}

/** Where `container[key]` was written: the key for mappings, the item for lists. */
export function locationOfKey(container: unknown, key: string | number): Location | undefined {
  if (typeof container !== 'object' || container === null) return undefined;
  return keyLocations.get(container)?.get(key) ?? objectLocations.get(container);
}

/** Where the value of `container[key]` starts (for template errors inside a value). */
const valueLocations = new WeakMap<object, Map<string | number, Location>>();
export function locationOfValue(container: unknown, key: string | number): Location | undefined {
  if (typeof container !== 'object' || container === null) return undefined;
  return valueLocations.get(container)?.get(key) ?? locationOfKey(container, key);
}

/** Copies the recorded locations of one object to another (normalised copies of tasks). */
export function copyLocation(from: object, to: object): void {
  const at = objectLocations.get(from);
  if (at) objectLocations.set(to, at);
}

export function setLocation(obj: object, at: Location): void {
  objectLocations.set(obj, at);
}

/** Where a value's text starts: after the opening quote of a quoted scalar. */
function contentStart(node: Node | null | undefined): number | undefined {
  const start = node?.range?.[0];
  if (start === undefined || !node || !isScalar(node)) return start;
  return isQuoted(node) ? start + 1 : start;
}

function isQuoted(node: Node | null | undefined): boolean {
  return !!node && isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
}

/** A location that says it is a quoted scalar's (see Location.quoted). */
function markQuoted(location: Location, node: Node | null | undefined): Location {
  return isQuoted(node) ? { ...location, quoted: true } : location;
}

function toJs(node: Node | null | undefined, file: string, lines: LineCounter, doc: Document): unknown {
  if (!node) return null;
  // An alias (*name) is the anchored node's value, a copy of its own.
  if (isAlias(node)) return toJs(node.resolve(doc) as Node | undefined, file, lines, doc);
  const at = (offset: number | undefined): Location => {
    const p = lines.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const keys = new Map<string | number, Location>();
    const values = new Map<string | number, Location>();
    const mergedKeys: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      let key: string;
      if (keyNode && isScalar(keyNode)) key = keyNode.value === null ? 'null' : String(keyNode.value);
      else if (keyNode === null) key = 'null';
      else key = String((keyNode as Node).toJSON());
      if (key === '<<' && pair.value) {
        // The merge key: a mapping, an alias of one, or a list of them. As Ansible's loader does, the
        // merged keys come first (the first mapping's win), then the mapping's own keys override them.
        const merged = toJs(pair.value as Node, file, lines, doc);
        const maps = (Array.isArray(merged) ? merged : [merged]).filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m));
        if (maps.length) {
          for (const m of maps) for (const [k, v] of Object.entries(m)) if (!(k in mergedKeys)) mergedKeys[k] = v;
          continue;
        }
      }
      Object.defineProperty(out, key, { value: toJs(pair.value as Node, file, lines, doc), enumerable: true, writable: true, configurable: true });
      keys.set(key, at(keyNode?.range?.[0]));
      values.set(key, markQuoted(at(contentStart(pair.value as Node | null) ?? keyNode?.range?.[0]), pair.value as Node | null));
    }
    if (Object.keys(mergedKeys).length) {
      const own = { ...out };
      for (const k of Object.keys(out)) delete out[k];
      for (const [k, v] of Object.entries({ ...mergedKeys, ...own })) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    objectLocations.set(out, at(node.range?.[0]));
    keyLocations.set(out, keys);
    valueLocations.set(out, values);
    return out;
  }
  if (isSeq(node)) {
    const out: unknown[] = [];
    const items = new Map<string | number, Location>();
    node.items.forEach((item, i) => {
      out.push(toJs(item as Node, file, lines, doc));
      items.set(i, markQuoted(at(contentStart(item as Node | null)), item as Node | null));
    });
    objectLocations.set(out, at(node.range?.[0]));
    keyLocations.set(out, items);
    valueLocations.set(out, items);
    return out;
  }
  if (isScalar(node)) return node.value;
  return (node as { toJSON(): unknown }).toJSON();
}

/** Parses YAML text; syntax errors become PlaybookErrors with the position. */
export function parseYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { ...PYYAML_OPTIONS, customTags: [...PYYAML_OPTIONS.customTags, ...UNSAFE_TAGS], lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const p = lines.linePos(error.pos[0]);
    const what = error.message.split('\n')[0] ?? error.message;
    throw new PlaybookError(`YAML syntax error: ${what}`, { file, line: p.line, column: p.col });
  }
  // What the user wrote is trusted as a template (Ansible's TrustedAsTemplate).
  return trustLoaded(toJs(doc.contents as Node | null, file, lines, doc));
}

export function loadYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlaybookError(`could not read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseYaml(text, file);
}
