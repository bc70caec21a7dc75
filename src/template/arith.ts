/** Python's binary operators, and its two string formatting languages (`%` and str.format). */
import type { BinaryOperator } from './ast.js';
import { PluginError, typeError } from './errors.js';
import type { PyError } from '../python/errors.js';
import {
  PyFloat,
  PyTuple,
  Undefined,
  isDict,
  isFloat,
  isNumeric,
  mkFloat,
  pyRepr,
  pyStr,
  toNumber,
  typeName,
} from '../python/values.js';

function unsupported(op: string, a: unknown, b: unknown): PyError {
  return typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function numResult(n: number, float: boolean): number | PyFloat {
  return float ? mkFloat(n) : n;
}

export function binaryOp(op: BinaryOperator, a: unknown, b: unknown): unknown {
  if (a instanceof Undefined) throw new PluginError('undefined', a.message);
  if (b instanceof Undefined) throw new PluginError('undefined', b.message);
  if (op === '~') return concatStr(a) + concatStr(b);
  const bothNum = isNumeric(a) && isNumeric(b);
  const float = bothNum && (isFloat(a) || isFloat(b));
  switch (op) {
    case '+':
      if (bothNum) return numResult(toNumber(a) + toNumber(b), float);
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) {
        const out = a instanceof PyTuple && b instanceof PyTuple ? new PyTuple() : [];
        out.push(...a, ...b);
        return out;
      }
      if (typeof a === 'string') throw typeError(`can only concatenate str (not "${typeName(b)}") to str`);
      if (Array.isArray(a)) throw typeError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
      throw unsupported('+', a, b);
    case '-':
      if (bothNum) return numResult(toNumber(a) - toNumber(b), float);
      throw unsupported('-', a, b);
    case '*':
      if (bothNum) return numResult(toNumber(a) * toNumber(b), float);
      if ((typeof a === 'string' || Array.isArray(a)) && isNumeric(b) && !isFloat(b)) return repeat(a, toNumber(b));
      if ((typeof b === 'string' || Array.isArray(b)) && isNumeric(a) && !isFloat(a)) return repeat(b, toNumber(a));
      if (typeof a === 'string' || Array.isArray(a)) {
        throw typeError(`can't multiply sequence by non-int of type '${typeName(b)}'`);
      }
      throw unsupported('*', a, b);
    case '/': {
      if (!bothNum) throw unsupported('/', a, b);
      const d = toNumber(b);
      if (d === 0) throw new PluginError('runtime', 'division by zero');
      return mkFloat(toNumber(a) / d);
    }
    case '//': {
      if (!bothNum) throw unsupported('//', a, b);
      const d = toNumber(b);
      if (d === 0) throw new PluginError('runtime', float ? 'float floor division by zero' : 'integer division or modulo by zero');
      return numResult(Math.floor(toNumber(a) / d), float);
    }
    case '%': {
      if (typeof a === 'string') return percentFormat(a, b);
      if (!bothNum) throw unsupported('%', a, b);
      const d = toNumber(b);
      if (d === 0) throw new PluginError('runtime', float ? 'float modulo' : 'integer division or modulo by zero');
      const x = toNumber(a);
      return numResult(x - d * Math.floor(x / d), float);
    }
    case '**': {
      if (!bothNum) throw unsupported('** or pow()', a, b);
      const x = toNumber(a);
      const y = toNumber(b);
      if (!float && y >= 0) return x ** y;
      if (x === 0 && y < 0) throw new PluginError('runtime', '0.0 cannot be raised to a negative power');
      return mkFloat(x ** y);
    }
  }
}

/** `~` prints its operands with str(), None included (as 'None'). */
function concatStr(v: unknown): string {
  return pyStr(v);
}

function repeat(seq: string | unknown[], n: number): string | unknown[] {
  if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
  const out: unknown[] = seq instanceof PyTuple ? new PyTuple() : [];
  for (let i = 0; i < n; i++) out.push(...seq);
  return out;
}

/** Python's `'%s' % args`, with `%(name)s` mapping keys, flags, width and precision. */
export function percentFormat(format: string, args: unknown): string {
  const positional = args instanceof PyTuple ? [...args] : [args];
  const mapping = isDict(args) ? args : undefined;
  let index = 0;
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g;
  const out = format.replace(re, (_m, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const take = (): unknown => {
      if (index >= positional.length) throw typeError('not enough arguments for format string');
      return positional[index++];
    };
    const w = width === '*' ? toNumber(take()) : width === undefined ? undefined : Number(width);
    const p = precision === '*' ? toNumber(take()) : precision === undefined ? undefined : Number(precision);
    let value: unknown;
    if (key !== undefined) {
      if (!mapping) throw typeError('format requires a mapping');
      if (!(key in mapping)) throw new PluginError('runtime', `KeyError: ${pyRepr(key)}`);
      value = mapping[key];
    } else {
      value = take();
    }
    const spec = `${flags.includes('-') ? '<' : ''}${flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : ''}${flags.includes('#') ? '#' : ''}${flags.includes('0') && !flags.includes('-') ? '0' : ''}${w ?? ''}${p !== undefined ? `.${p}` : ''}`;
    switch (conv) {
      case 's':
        return formatValue(pyStr(value), spec);
      case 'r':
      case 'a':
        return formatValue(pyRepr(value), spec);
      case 'c':
        return formatValue(typeof value === 'string' ? value : String.fromCodePoint(toNumber(value)), spec);
      case 'i':
      case 'u':
        return formatValue(Math.trunc(toNumberForFormat(value, conv)), `${spec}d`);
      default:
        return formatValue(conv === 'd' ? Math.trunc(toNumberForFormat(value, conv)) : toNumberForFormat(value, conv), `${spec}${conv}`);
    }
  });
  if (!mapping && index < positional.length) throw typeError('not all arguments converted during string formatting');
  return out;
}

function toNumberForFormat(v: unknown, conv: string): number {
  if (isNumeric(v)) return toNumber(v);
  throw typeError(`%${conv} format: a real number is required, not ${typeName(v)}`);
}

/** str.format: `{}`, `{0}`, `{name}`, `{0.attr}`, `{0[key]}`, conversions `!r`/`!s`, format specs. */
export function strFormat(format: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch === '{' && format[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && format[i + 1] === '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (ch === '}') throw new PluginError('runtime', "Single '}' encountered in format string");
    if (ch !== '{') {
      out += ch;
      i++;
      continue;
    }
    const end = format.indexOf('}', i);
    if (end < 0) throw new PluginError('runtime', "Single '{' encountered in format string");
    const field = format.slice(i + 1, end);
    i = end + 1;
    const m = /^([^!:[.]*)((?:\.[^!:[.]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/.exec(field);
    if (!m) throw new PluginError('runtime', `bad format field {${field}}`);
    const [, name = '', path = '', conversion, spec = ''] = m;
    let value: unknown;
    if (name === '') value = args[auto++];
    else if (/^\d+$/.test(name)) value = args[Number(name)];
    else value = kwargs[name];
    if (value === undefined && !(name in kwargs)) {
      throw new PluginError('runtime', name === '' || /^\d+$/.test(name) ? 'Replacement index out of range for positional args tuple' : `KeyError: '${name}'`);
    }
    for (const part of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      const key = part.startsWith('.') ? part.slice(1) : part.slice(1, -1);
      if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
      else if (isDict(value)) value = value[key];
      else throw new PluginError('runtime', `cannot look up '${key}' in ${typeName(value)}`);
    }
    if (conversion === 'r' || conversion === 'a') value = pyRepr(value);
    else if (conversion === 's') value = pyStr(value);
    out += formatValue(value, spec);
  }
  return out;
}

/** Python's format(value, spec) for the format-spec mini-language. */
export function formatValue(value: unknown, spec: string): string {
  const m = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new PluginError('runtime', `Invalid format specifier '${spec}' for object of type '${typeName(value)}'`);
  const [, fillChar, alignChar, sign = '-', alt, zero, widthStr, grouping, precisionStr, type] = m;
  const width = widthStr ? Number(widthStr) : 0;
  const precision = precisionStr !== undefined ? Number(precisionStr) : undefined;
  let fill = fillChar ?? (zero ? '0' : ' ');
  let align = alignChar ?? (zero ? '=' : undefined);
  let body: string;
  let prefix = '';
  if (typeof value === 'string' || (!isNumeric(value) && type === undefined)) {
    if (type !== undefined && type !== 's') {
      throw new PluginError('runtime', `Unknown format code '${type}' for object of type '${typeName(value)}'`);
    }
    body = typeof value === 'string' ? value : pyStr(value);
    if (precision !== undefined) body = body.slice(0, precision);
    align = align ?? '<';
  } else {
    const n = toNumber(value);
    const t = type ?? (isFloat(value) ? '' : 'd');
    if (n < 0 || Object.is(n, -0)) prefix = '-';
    else if (sign === '+') prefix = '+';
    else if (sign === ' ') prefix = ' ';
    const abs = Math.abs(n);
    switch (t) {
      case 'd':
      case 'n':
        if (!Number.isInteger(n)) throw new PluginError('runtime', `Unknown format code 'd' for object of type 'float'`);
        body = String(abs);
        break;
      case 'b':
        body = (alt ? '0b' : '') + abs.toString(2);
        break;
      case 'o':
        body = (alt ? '0o' : '') + abs.toString(8);
        break;
      case 'x':
        body = (alt ? '0x' : '') + abs.toString(16);
        break;
      case 'X':
        body = (alt ? '0X' : '') + abs.toString(16).toUpperCase();
        break;
      case 'c':
        body = String.fromCodePoint(n);
        prefix = '';
        break;
      case 'e':
      case 'E':
        body = expFormat(abs, precision ?? 6);
        if (t === 'E') body = body.toUpperCase();
        break;
      case 'f':
      case 'F':
        body = abs.toFixed(precision ?? 6);
        break;
      case '%':
        body = (abs * 100).toFixed(precision ?? 6) + '%';
        break;
      case 'g':
      case 'G':
        body = generalFormat(abs, precision ?? 6);
        if (t === 'G') body = body.toUpperCase();
        break;
      default:
        body = precision !== undefined ? generalFormat(abs, precision) : pyStr(isFloat(value) ? new PyFloat(abs) : abs);
        if (precision === undefined && Number.isInteger(abs) && isFloat(value) && !body.includes('.') && !body.includes('e')) body += '.0';
    }
    if (grouping) {
      const [intPart = '', frac] = body.split('.');
      body = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, grouping) + (frac !== undefined ? `.${frac}` : '');
    }
    align = align ?? '>';
  }
  const content = prefix + body;
  if (content.length >= width) return content;
  const pad = width - content.length;
  if (fill === '') fill = ' ';
  switch (align) {
    case '<':
      return content + fill.repeat(pad);
    case '^': {
      const left = Math.floor(pad / 2);
      return fill.repeat(left) + content + fill.repeat(pad - left);
    }
    case '=':
      return prefix + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + content;
  }
}

function expFormat(n: number, precision: number): string {
  const [mant = '', exp = '0'] = n.toExponential(precision).split('e');
  const e = Number(exp);
  return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function generalFormat(n: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(n));
  if (exp < -4 || exp >= p) {
    const [mant = '', e = '0'] = n.toExponential(p - 1).split('e');
    const trimmed = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    return `${trimmed}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
