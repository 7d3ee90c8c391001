// "Did you mean …?" for a mistyped name that is an argument rather than a command (a smoke, a
// runbook, a provider), worded and judged like commander's own suggestion for commands: the
// closest names by edit distance (transpositions count once), when similar enough.

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/** The closest candidates (at most 3 edits away, more than 40 % alike), e.g. "gmial" → ["gmail"]. */
export function similarNames(word: string, candidates: readonly string[]): string[] {
  let best = 3;
  let similar: string[] = [];
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4 || distance > best) continue;
    if (distance < best) similar = [];
    best = distance;
    similar.push(candidate);
  }
  return similar.sort();
}

/** " (Did you mean gmail?)", or "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const similar = similarNames(word, candidates);
  if (!similar.length) return "";
  return similar.length === 1 ? ` (Did you mean ${similar[0]}?)` : ` (Did you mean one of ${similar.join(", ")}?)`;
}
