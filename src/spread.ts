/** Median, minimum and maximum of a sample of timings (bench, `morkspace bench`). */

/** Median, min and max of a sample. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The spread of `xs`; NaN fields for an empty sample. */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}
