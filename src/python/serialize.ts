/** Python's json.dumps and PyYAML's dump, as to_json / to_yaml print them. */
import { PyError, typeError } from './errors.js';
import { PyFloat, UNDECRYPTABLE, Undefined, VaultedValue, dictKeys, floatRepr, isDict, typeName } from './values.js';

export interface JsonOptions {
  indent?: number | string | null;
  sortKeys?: boolean;
  ensureAscii?: boolean;
  separators?: [string, string];
}

function jsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (ensureAscii && code > 0x7e) {
      if (code > 0xffff) {
        const v = code - 0x10000;
        out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
      } else out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

export function pyJsonDumps(value: unknown, options: JsonOptions = {}): string {
  const indentOpt = options.indent ?? null;
  const indent = typeof indentOpt === 'number' ? ' '.repeat(indentOpt) : indentOpt;
  const [itemSep, keySep] = options.separators ?? (indent !== null ? [',', ': '] : [', ', ': ']);
  const ensureAscii = options.ensureAscii ?? true;
  const walk = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return String(v);
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return floatRepr(v);
    }
    if (v instanceof PyFloat) return floatRepr(v.value);
    if (typeof v === 'string') return jsonString(v, ensureAscii);
    if (v instanceof Undefined) throw typeError(v.message);
    // A `!vault` value without its secret cannot be written out (Ansible's error, not a type error).
    if (v instanceof VaultedValue && !v.decryptable) throw new PyError('runtime', UNDECRYPTABLE);
    const nl = indent !== null ? '\n' + indent.repeat(level + 1) : '';
    const close = indent !== null ? '\n' + indent.repeat(level) : '';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${nl}${v.map((x) => walk(x, level + 1)).join(itemSep + nl)}${close}]`;
    }
    if (isDict(v)) {
      let keys = dictKeys(v);
      if (keys.length === 0) return '{}';
      if (options.sortKeys) keys = [...keys].sort();
      return `{${nl}${keys.map((k) => jsonString(k, ensureAscii) + keySep + walk(v[k], level + 1)).join(itemSep + nl)}${close}}`;
    }
    throw typeError(`Object of type ${typeName(v)} is not JSON serializable`);
  };
  return walk(value, 0);
}

// ------------------------------------------------------------------ YAML (PyYAML's emitter)

export interface YamlOptions {
  indent?: number;
  /** PyYAML's default_flow_style: null = flow for collections of scalars only. */
  defaultFlowStyle?: boolean | null;
  sortKeys?: boolean;
  width?: number;
  explicitStart?: boolean;
}

const YAML_RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|=|<<)$/;
const YAML_NUMBERISH = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?|\.\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|\.(?:inf|Inf|INF|nan|NaN|NAN)|[-+]\.(?:inf|Inf|INF)|\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?)$/;
const YAML_TIMESTAMP = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

function isScalar(v: unknown): boolean {
  return !(Array.isArray(v) || isDict(v));
}

function yamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const r = floatRepr(n);
  // PyYAML writes 1e+20 as 1.0e+20 so that it reads back as a float.
  return /^-?\d+e/.test(r) ? r.replace('e', '.0e') : r;
}

/** How PyYAML would quote a string: plain, single-quoted or double-quoted. */
function yamlStringStyle(s: string, flow: boolean): 'plain' | 'single' | 'double' {
  if (s === '') return 'single';
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]/.test(s)) return 'double';
  if (/[\n\r\x85\u2028\u2029]/.test(s)) return /^\s|\s$/.test(s.replace(/\n/g, '')) ? 'double' : 'single';
  if (YAML_RESERVED.test(s) || YAML_NUMBERISH.test(s) || YAML_TIMESTAMP.test(s)) return 'single';
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/^[-?:][^\s]/.test(s)) return 'single';
  if (/^[-?:]$/.test(s)) return 'single';
  if (/\s$/.test(s) || /^\s/.test(s)) return 'single';
  if (/: |:$| #/.test(s)) return 'single';
  if (flow && /[,[\]{}]/.test(s)) return 'single';
  if (/^-(?:\s|$)/.test(s)) return 'single';
  return 'plain';
}

function yamlDouble(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code === 0) out += '\\0';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code === 0xfeff) out += '\\uFEFF';
    else out += ch;
  }
  return out + '"';
}

/** Folds a plain or single-quoted scalar at spaces as PyYAML does past the line width. */
function foldScalar(text: string, column: number, width: number, indent: string): string {
  if (column + text.length <= width || !text.includes(' ')) return text;
  let out = '';
  let lineLen = column;
  const words = text.split(' ');
  words.forEach((word, i) => {
    if (i === 0) {
      out += word;
      lineLen += word.length;
      return;
    }
    if (lineLen > width && word !== '') {
      out += '\n' + indent + word;
      lineLen = indent.length + word.length;
    } else {
      out += ' ' + word;
      lineLen += 1 + word.length;
    }
  });
  return out;
}

function yamlScalar(v: unknown, flow: boolean, column: number, width: number, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : yamlFloat(v);
  if (v instanceof PyFloat) return yamlFloat(v.value);
  if (typeof v === 'string') {
    const style = yamlStringStyle(v, flow);
    if (style === 'plain') return foldScalar(v, column, width, indent);
    if (style === 'double') return yamlDouble(v);
    if (v.includes('\n')) {
      // PyYAML writes a line break inside single quotes as an empty line.
      const parts = v.split('\n').map((p) => p.replace(/'/g, "''"));
      return `'${parts.join('\n\n' + indent)}'`;
    }
    return foldScalar(`'${v.replace(/'/g, "''")}'`, column, width, indent);
  }
  if (v instanceof Undefined) throw typeError(v.message);
  throw typeError(`cannot represent an object: ${typeName(v)}`);
}

export function pyYamlDump(value: unknown, options: YamlOptions = {}): string {
  const step = options.indent ?? 2;
  const width = options.width ?? 80;
  const flowStyle = options.defaultFlowStyle === undefined ? null : options.defaultFlowStyle;
  const sortKeys = options.sortKeys ?? true;
  const keysOf = (d: Record<string, unknown>): string[] => (sortKeys ? [...dictKeys(d)].sort() : dictKeys(d));

  const flow = (v: unknown, column: number): string => {
    if (Array.isArray(v)) return `[${v.map((x) => flow(x, column)).join(', ')}]`;
    if (isDict(v)) return `{${keysOf(v).map((k) => `${yamlScalar(k, true, column, width, '')}: ${flow(v[k], column)}`).join(', ')}}`;
    return yamlScalar(v, true, column, Infinity, '');
  };
  const useFlow = (v: unknown): boolean => {
    if (flowStyle === true) return true;
    if (flowStyle === false) return false;
    if (Array.isArray(v)) return v.every(isScalar);
    if (isDict(v)) return dictKeys(v).every((k) => isScalar(v[k]));
    return false;
  };
  const emptyFlow = (v: unknown): string | undefined => {
    if (Array.isArray(v) && v.length === 0) return '[]';
    if (isDict(v) && dictKeys(v).length === 0) return '{}';
    return undefined;
  };

  /** Emits a node that starts after `prefix` text on the current line, at indentation `level`. */
  const block = (v: unknown, level: number, inSequence: boolean): string => {
    const pad = ' '.repeat(level);
    const empty = emptyFlow(v);
    if (empty) return empty + '\n';
    if (!Array.isArray(v) && !isDict(v)) return yamlScalar(v, false, level, width, pad) + '\n';
    if (useFlow(v)) return flow(v, level) + '\n';
    let out = '';
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const first = i === 0 && inSequence;
        out += (first ? '' : pad) + '- ';
        const itemEmpty = emptyFlow(item);
        if (itemEmpty) out += itemEmpty + '\n';
        else if ((Array.isArray(item) || isDict(item)) && !useFlow(item)) out += block(item, level + 2, true);
        else out += block(item, level + 2, true);
      });
      return out;
    }
    const dict = v as Record<string, unknown>;
    keysOf(dict).forEach((k, i) => {
      const first = i === 0 && inSequence;
      const keyText = yamlScalar(k, false, level, Infinity, pad);
      out += (first ? '' : pad) + keyText + ':';
      const child = dict[k];
      const childEmpty = emptyFlow(child);
      if (childEmpty) out += ' ' + childEmpty + '\n';
      else if (Array.isArray(child) && !useFlow(child)) out += '\n' + block(child, level, false);
      else if (isDict(child) && !useFlow(child)) out += '\n' + block(child, level + step, false);
      else if (Array.isArray(child) || isDict(child)) out += ' ' + flow(child, level) + '\n';
      else out += ' ' + yamlScalar(child, false, level + keyText.length + 2, width, pad + ' '.repeat(step)) + '\n';
    });
    return out;
  };

  const start = options.explicitStart ? '--- ' : '';
  if (!Array.isArray(value) && !isDict(value)) {
    return `${start}${yamlScalar(value, false, 0, width, '')}\n`;
  }
  const emptyTop = emptyFlow(value);
  if (emptyTop) return `${start}${emptyTop}\n`;
  if (useFlow(value)) return `${start}${flow(value, 0)}\n`;
  return (options.explicitStart ? '---\n' : '') + block(value, 0, false);
}
