/**
 * InventoryError: every failure while reading an inventory, its group_vars/host_vars or a host
 * pattern. The message starts with `file:line:` (and `column:` for YAML) when the problem has a
 * place, so that a user sees where without reading fields; the fields are there for tools.
 */
import path from 'node:path';
import { distance } from '../python/suggest.js';

export interface InventoryErrorPosition {
  /** The file as shown to the user (relative to the working directory when inside it). */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
}

export class InventoryError extends Error {
  override name = 'InventoryError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(detail: string, position: InventoryErrorPosition = {}, options?: { cause?: unknown }) {
    super(positionPrefix(position) + detail, options);
    this.detail = detail;
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
  }
}

function positionPrefix(position: InventoryErrorPosition): string {
  if (position.file === undefined) return '';
  let prefix = position.file;
  if (position.line !== undefined) {
    prefix += `:${position.line}`;
    if (position.column !== undefined) prefix += `:${position.column}`;
  }
  return prefix + ': ';
}

/** " Did you mean 'x'?" when a known name is close to the misspelt one, else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance && candidate !== name) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Too far to be a typo: say nothing rather than something misleading.
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= limit ? ` Did you mean '${best}'?` : '';
}

/** How a path is shown in messages: relative to cwd when it lies inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
