/**
 * The known name closest to a misspelt one, for "did you mean" hints in configuration errors
 * (`server.prot: unknown key (did you mean port?)`), or undefined when none is close.
 *
 * Closeness is the optimal-string-alignment distance (Levenshtein plus the swap of two neighbours,
 * the commonest typo: `prot`, `enabel`) on lower-cased names, so a difference of letter case alone
 * (`PrivateKeyJwt`) always finds its name. A name is close when at most a third of its letters
 * differ (at least one): `colour` finds nothing among the keys of `[server]`. Ties go to the name
 * listed first, so callers list names in the order they document them.
 */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    if (candidate === name) continue;
    const distance = editDistance(wanted, candidate.toLowerCase(), limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** ` (did you mean NAME?)`, or nothing: the tail of an error line. */
export function didYouMeanHint(name: string, known: Iterable<string>): string {
  const suggestion = didYouMean(name, known);
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}

/** Optimal string alignment distance; anything above `limit` is returned as `limit + 1` without finishing. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Three rows of the dynamic programme: two back (for a swap), the previous and the current.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1);
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], before[j - 2] + 1);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length];
}
