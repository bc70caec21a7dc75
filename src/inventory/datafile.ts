/**
 * Reading a YAML or JSON file the way Ansible's DataLoader does: the text is tried as JSON first
 * (so `1e3` is a float there, a string in YAML 1.1), then as YAML read by PyYAML's rules. Keeps the
 * parsed document so that callers can point at the line and column of a key they reject.
 */
import YAML, { LineCounter, isAlias, isMap, isScalar, type Node, type ScalarTag } from 'yaml';
import { PyFloat, floatRepr, mkFloat, pyStr, setKey } from '../python/values.js';
import { trustLoaded } from '../python/trust.js';
import { PYYAML_OPTIONS, UNSAFE_TAGS } from '../yaml/pyyaml.js';
import { InventoryError } from './errors.js';

export interface Position {
  line: number;
  column: number;
}

export interface DataFile {
  value: unknown;
  /** Where the value (or its key) reached by following these mapping keys from the top is. */
  locate(keys: readonly string[], at?: 'key' | 'value'): Position | undefined;
  /** The keys of the mapping reached by following `keys`, in document order, with their types. */
  keysAt(keys: readonly string[]): MapKey[];
}

export interface MapKey {
  /** The key as the parsed value holds it. */
  text: string;
  /** False for keys YAML typed as numbers, booleans or null (`10:`, `yes:`, `~:`). */
  isString: boolean;
  position: Position | undefined;
}

/**
 * A mapping key as text. Non-string keys (YAML `10:`, `yes:`, `~:`, `1.5:`) are named the way
 * json.dumps names them, which is how they reach a user (ansible-inventory --list).
 */
function scalarKeyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null || key === undefined) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key instanceof PyFloat) return floatRepr(key.value);
  if (typeof key === 'number') return Number.isInteger(key) ? String(key) : floatRepr(key);
  return pyStr(toPlainData(key));
}

/** The `yaml` library's Maps (kept so that keys keep their types) as plain dicts. */
function toPlainData(value: unknown): unknown {
  if (value instanceof Map) {
    const dict: Record<string, unknown> = {};
    for (const [key, item] of value) setKey(dict, scalarKeyText(key), toPlainData(item));
    return dict;
  }
  if (Array.isArray(value)) return value.map(toPlainData);
  if (value instanceof Set) return [...value].map(toPlainData);
  return value;
}


// In JSON a number with a fraction or an exponent is a float, and stays one (1.0 prints as 1.0).
const jsonTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: /^null$/, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:true|false)$/, resolve: (s) => s === 'true' },
  { tag: 'tag:yaml.org,2002:int', default: true, test: /^-?(?:0|[1-9][0-9]*)$/, resolve: (s) => Number.parseInt(s, 10) },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/,
    resolve: (s) => mkFloat(Number(s)),
  },
];

export function parseDataText(text: string, file: string): DataFile {
  const isJson = looksLikeJson(text);
  const lineCounter = new LineCounter();
  const options = isJson
    ? { schema: 'failsafe' as const, customTags: jsonTags, uniqueKeys: false, lineCounter }
    : { ...PYYAML_OPTIONS, customTags: [...PYYAML_OPTIONS.customTags, ...UNSAFE_TAGS], merge: true, lineCounter };
  const document = YAML.parseDocument(text, options);
  const error = document.errors[0];
  if (error) {
    const [start] = error.linePos ?? [];
    const detail = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    throw new InventoryError(`YAML syntax error: ${detail}`, { file, line: start?.line, column: start?.col });
  }
  // What the user wrote is trusted as a template (Ansible's TrustedAsTemplate).
  const value = trustLoaded(toPlainData(document.toJS({ maxAliasCount: -1, mapAsMap: true })));
  const nodeAt = (keys: readonly string[]): { node: unknown; position: Position | undefined; keyPosition: Position | undefined } => {
    let node: unknown = document.contents;
    let position = positionOf(node, lineCounter);
    let keyPosition = position;
    for (const key of keys) {
      if (isAlias(node)) node = node.resolve(document);
      const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && scalarKeyText(p.key.value) === key) : undefined;
      if (!pair) return { node: undefined, position, keyPosition };
      keyPosition = positionOf(pair.key, lineCounter) ?? position;
      node = isAlias(pair.value) ? pair.value.resolve(document) : pair.value;
      position = positionOf(pair.value, lineCounter) ?? keyPosition;
    }
    return { node, position, keyPosition };
  };
  const locate = (keys: readonly string[], at: 'key' | 'value' = 'value'): Position | undefined => {
    const found = nodeAt(keys);
    return at === 'key' ? found.keyPosition : found.position;
  };
  const keysAt = (keys: readonly string[]): MapKey[] => {
    const { node } = nodeAt(keys);
    if (!isMap(node)) return [];
    return node.items.map((pair) => {
      const raw = isScalar(pair.key) ? pair.key.value : pair.key;
      return { text: scalarKeyText(raw), isString: typeof raw === 'string', position: positionOf(pair.key, lineCounter) };
    });
  };
  return { value, locate, keysAt };
}

export function positionOf(node: unknown, lineCounter: LineCounter): Position | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  const { line, col } = lineCounter.linePos(range[0]);
  return { line, column: col };
}

/** Whether Python's json.loads would accept the text (then Ansible never tries YAML). */
function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
