/** The nearest known name to a misspelt one, for "Did you mean ...?" hints. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const short = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // A dropped letter is the likeliest typo: 'taks' is nearer 'tasks' than 'tags'.
    const d = distance(short.toLowerCase(), candidate.toLowerCase()) - (isSubsequence(short.toLowerCase(), candidate.toLowerCase()) ? 0.5 : 0);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Too far to be a typo: say nothing rather than something misleading.
  const limit = Math.max(2, Math.floor(short.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length && short.length < long.length;
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}
