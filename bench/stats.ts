/** Values sorted ascending, for `sortedPercentile`. */
export function sortNumbers(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Percentile of sorted values, by linear interpolation between closest ranks; NaN when empty. */
export function sortedPercentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** The middle value (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  return sortedPercentile(sortNumbers(values), 50);
}

/** a / b rounded to two decimals; null when either side is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}
