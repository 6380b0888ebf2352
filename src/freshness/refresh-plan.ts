import type { WindowName } from '../database/entities/index.js';
import { addDays, bucketStartOf, daysBetween } from '../snapshots/bucket-range.js';

/** An inclusive range of days for one recompute run. */
export interface DayRange {
  dateFrom: string;
  dateTo: string;
}

/**
 * The runs that rebuild exactly the buckets holding `days` (UTC days, any order): adjacent
 * buckets merge into one range (for `week`, Monday to Sunday), and a range longer than
 * `maxDays` is cut into pieces of whole buckets. Refresh cost follows the dirty buckets, never
 * the history around them.
 */
export function planRanges(
  window: WindowName,
  days: readonly string[],
  maxDays: number,
): DayRange[] {
  const step = window === 'day' ? 1 : 7;
  const starts = [...new Set(days.map((day) => bucketStartOf(window, day)))].sort();
  const bucketsPerRun = Math.max(1, Math.floor(maxDays / step));
  const ranges: DayRange[] = [];
  let first: string | undefined;
  let last: string | undefined;
  let count = 0;
  const close = () => {
    if (first && last) ranges.push({ dateFrom: first, dateTo: addDays(last, step - 1) });
  };
  for (const start of starts) {
    const adjacent = last !== undefined && daysBetween(last, start) === step + 1;
    if (adjacent && count < bucketsPerRun) {
      last = start;
      count += 1;
      continue;
    }
    close();
    first = start;
    last = start;
    count = 1;
  }
  close();
  return ranges;
}
