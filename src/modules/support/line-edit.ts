/**
 * lineinfile's edit on a list of lines, as bytes (each byte a char of a latin1 string, so Python's
 * bytes regexes and lengths carry over). Lines keep their '\n'.
 */
import { expandReplacement, parseReplacement, pyRegex } from '../../python/regex.js';

export interface PresentOptions {
  regexp: string | null;
  searchString: string | null;
  line: string;
  insertafter: string | null;
  insertbefore: string | null;
  backrefs: boolean;
  firstmatch: boolean;
}

export interface EditResult {
  lines: string[];
  changed: boolean;
  msg: string;
  found?: number;
}

/** UTF-8 text as a latin1 string of its bytes. */
export function asBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** file.readlines() on bytes. */
export function splitLines(data: string): string[] {
  const lines = data.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

function search(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  const m = re.exec(text);
  re.lastIndex = 0;
  return m;
}

const stripEol = (s: string): string => s.replace(/[\r\n]+$/, '');

export function present(input: string[], o: PresentOptions): EditResult {
  const lines = [...input];
  const line = asBytes(o.line);
  const matcher = o.regexp !== null ? pyRegex(asBytes(o.regexp)) : undefined;
  const insertAt = o.insertafter !== null && o.insertafter !== 'BOF' && o.insertafter !== 'EOF'
    ? pyRegex(asBytes(o.insertafter))
    : o.insertbefore !== null && o.insertbefore !== 'BOF' ? pyRegex(asBytes(o.insertbefore)) : undefined;
  // [line matching regexp/search_string/line, line to insert at]
  let found = -1;
  let insertIndex = -1;
  let match: RegExpExecArray | null = null;
  let literalMatch = false;
  if (matcher) {
    for (const [i, cur] of lines.entries()) {
      const m = search(matcher, cur);
      if (m) {
        [found, match] = [i, m];
        if (o.firstmatch) break;
      }
    }
  }
  if (o.searchString !== null) {
    const needle = asBytes(o.searchString);
    for (const [i, cur] of lines.entries()) {
      if (cur.includes(needle)) {
        [found, literalMatch] = [i, true];
        if (o.firstmatch) break;
      }
    }
  }
  if (!match && !literalMatch) {
    for (const [i, cur] of lines.entries()) {
      if (line === stripEol(cur)) {
        found = i;
      } else if (insertAt && search(insertAt, cur)) {
        if (o.insertafter !== null) {
          insertIndex = i + 1;
          if (o.firstmatch) break;
        }
        if (o.insertbefore !== null) {
          insertIndex = i;
          if (o.firstmatch) break;
        }
      }
    }
  }
  const added = (result: string[]): EditResult => ({ lines: result, changed: true, msg: 'line added' });
  const same: EditResult = { lines, changed: false, msg: '' };
  const endsWithEol = (): boolean => lines.length > 0 && /[\n\r]$/.test(lines[lines.length - 1]!);
  if (found !== -1) {
    let newLine = o.backrefs && match ? expandReplacement(parseReplacement(line), match) : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (lines[found] === newLine) return same;
    lines[found] = newLine;
    return { lines, changed: true, msg: 'line replaced' };
  }
  if (o.backrefs) return same; // nothing to expand the backrefs from
  if (o.insertbefore === 'BOF' || o.insertafter === 'BOF') {
    lines.unshift(`${line}\n`);
    return added(lines);
  }
  if (o.insertafter === 'EOF' || insertIndex === -1) {
    if (lines.length > 0 && !endsWithEol()) lines.push('\n');
    lines.push(`${line}\n`);
    return added(lines);
  }
  if (o.insertafter !== null && insertIndex !== -1) {
    // Not again when the line is already right there.
    if (lines.length === insertIndex) {
      if (stripEol(lines[insertIndex - 1] ?? '') === line) return same;
      lines.push(`${line}\n`);
      return added(lines);
    }
    if (line === stripEol(lines[insertIndex] ?? '')) return same;
    lines.splice(insertIndex, 0, `${line}\n`);
    return added(lines);
  }
  lines.splice(insertIndex, 0, `${line}\n`);
  return added(lines);
}

export function absent(input: string[], regexp: string | null, searchString: string | null, line: string | null): EditResult {
  const matcher = regexp !== null ? pyRegex(asBytes(regexp)) : undefined;
  const needle = searchString !== null ? asBytes(searchString) : undefined;
  const exact = line !== null ? asBytes(line) : undefined;
  const kept: string[] = [];
  let found = 0;
  for (const cur of input) {
    const hit = matcher ? search(matcher, cur) !== null : needle !== undefined ? cur.includes(needle) : exact === stripEol(cur);
    if (hit) found++;
    else kept.push(cur);
  }
  return { lines: kept, changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : '', found };
}
