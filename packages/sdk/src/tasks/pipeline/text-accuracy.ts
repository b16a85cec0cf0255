/** Levenshtein distance between two strings, by code point. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length] as number;
}

/** Character accuracy of `got` against `want`: 1 - edit distance / length of `want` (at least 0). */
export function charAccuracy(got: string, want: string): number {
  if (want.length === 0) return got.length === 0 ? 1 : 0;
  return Math.max(0, 1 - editDistance(got, want) / [...want].length);
}
