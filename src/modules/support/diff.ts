/** Content diffs with Ansible's shapes and limits (ActionBase._get_diff_data). */
import type { Diff } from '../types.js';

/** C.MAX_FILE_SIZE_FOR_DIFF: larger files are not diffed. */
export const MAX_DIFF_SIZE = 104448;

/** Python's to_text(bytes): UTF-8, invalid sequences replaced. */
export function bytesToText(data: Buffer): string {
  return data.toString('utf8');
}

function appearsBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/**
 * The diff copy/template report when content changes: `before` is the destination's content (''
 * when absent), `after` the new content; binary or oversized sides are flagged as Ansible does.
 * The flag keys (dst_binary, src_larger...) are not part of the Diff type, hence the cast.
 */
export function contentDiff(dest: string, before: Buffer | null, after: Buffer, afterHeader: string): Diff {
  const diff: Record<string, unknown> = {};
  if (before === null) diff['before'] = '';
  else if (appearsBinary(before)) diff['dst_binary'] = 1;
  else if (before.length > MAX_DIFF_SIZE) diff['dst_larger'] = MAX_DIFF_SIZE;
  else {
    diff['before_header'] = dest;
    diff['before'] = bytesToText(before);
  }
  if (after.length > MAX_DIFF_SIZE) diff['src_larger'] = MAX_DIFF_SIZE;
  else if (after.includes(0)) diff['src_binary'] = 1;
  else {
    diff['after_header'] = afterHeader;
    diff['after'] = bytesToText(after);
  }
  return diff as Diff;
}
