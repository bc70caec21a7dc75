/**
 * The source lines Ansible 2.19 shows under an error's `Origin:` line: the target line and up to
 * two before it, each labelled with its number, then a caret under the column (`^ column 7`).
 * Lines are cut at 120 characters with `...`. A file that cannot be read, is vault-encrypted or
 * is shorter than the line says is shown as `(source not shown: <why>)`, as there.
 */
import { readFileSync } from 'node:fs';

const CONTEXT_LINES = 2;
const MAX_WIDTH = 120;
const TRUNCATED = '...';

/** The excerpt's lines for `file` at `line`:`column` (1-based); [] when there is no line. */
export function sourceExcerpt(file: string, line: number, column: number | undefined, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): string[] {
  if (!Number.isInteger(line) || line < 1) return [];
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? e.code : undefined;
    return [`(source not shown: ${code === 'ENOENT' ? 'FileNotFoundError' : code === 'EACCES' ? 'PermissionError' : code === 'EISDIR' ? 'IsADirectoryError' : 'OSError'})`];
  }
  const all = text.split('\n');
  if (all[0]?.startsWith('$ANSIBLE_VAULT')) return ['(source not shown: content encrypted)'];
  // A last line without its newline is still a line; the empty string after a final newline is not.
  const count = text.endsWith('\n') ? all.length - 1 : all.length;
  if (line > count) return ['(source not shown: file truncated)'];
  const start = Math.max(0, line - 1 - CONTEXT_LINES);
  const labelWidth = String(line).length;
  const maxLine = MAX_WIDTH - labelWidth - 1;
  let usable = maxLine;
  const out: string[] = [];
  for (let i = start; i < line; i++) {
    let source = all[i]!.replace(/\r$/, '').replace(/\t/g, ' ');
    if (source.length > maxLine) {
      source = source.slice(0, maxLine - TRUNCATED.length) + TRUNCATED;
      usable = maxLine - TRUNCATED.length;
    }
    out.push(`${String(i + 1).padStart(labelWidth)}${source ? ' ' : ''}${source}`);
  }
  if (column !== undefined && column >= 1 && column <= usable) {
    const label = `column ${column}`;
    const marker = column - 1 + 2 + label.length > maxLine ? `${' '.repeat(Math.max(0, column - 1 - label.length - 1))}${label} ^` : `${' '.repeat(column - 1)}^ ${label}`;
    out.push(`${' '.repeat(labelWidth)} ${marker}`);
  }
  return out;
}
