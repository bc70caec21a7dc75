/** Unified diffs as Ansible's callback prints them (difflib.unified_diff, 3 lines of context). */

type Op = { kind: ' ' | '-' | '+'; line: string };

function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // LCS table; files shown in diffs are config-sized.
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! });
  while (j < m) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

function splitKeepingEnds(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const out = lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l));
  if (out[out.length - 1] === '') out.pop();
  return out;
}

export function unifiedDiff(before: string, after: string, beforeHeader: string, afterHeader: string, context = 3): string {
  const a = splitKeepingEnds(before);
  const b = splitKeepingEnds(after);
  const ops = diffLines(a, b);
  if (!ops.some((o) => o.kind !== ' ')) return '';
  let out = `--- before: ${beforeHeader}\n+++ after: ${afterHeader}\n`;
  const changes = ops.map((o, idx) => (o.kind !== ' ' ? idx : -1)).filter((x) => x >= 0);
  let k = 0;
  while (k < changes.length) {
    const start = Math.max(0, changes[k]! - context);
    let end = Math.min(ops.length, changes[k]! + context + 1);
    while (k + 1 < changes.length && changes[k + 1]! - context <= end) {
      k++;
      end = Math.min(ops.length, changes[k]! + context + 1);
    }
    const slice = ops.slice(start, end);
    const aStart = ops.slice(0, start).filter((o) => o.kind !== '+').length;
    const bStart = ops.slice(0, start).filter((o) => o.kind !== '-').length;
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    const range = (s: number, len: number): string => (len === 1 ? `${s + 1}` : `${len === 0 ? s : s + 1},${len}`);
    out += `@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@\n`;
    for (const o of slice) {
      out += o.kind + o.line;
      if (!o.line.endsWith('\n')) out += '\n\\ No newline at end of file\n';
    }
    k++;
  }
  return out;
}
