import type { WindowName } from '../database/entities/index.js';

const DAY_MS = 86_400_000;

export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return formatDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/** Inclusive number of days from `from` to `to`. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The first day of the bucket containing `day`: the day itself, or the Monday of its ISO week. */
export function bucketStartOf(window: WindowName, day: string): string {
  if (window === 'day') return day;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

export interface BucketRange {
  /** First instant scanned: start of the bucket holding `date_from`. */
  start: string;
  /** First instant after the scan: end of the bucket holding `date_to` (exclusive). */
  end: string;
  /** Whole buckets the range covers. */
  bucketCount: number;
}

/** Whole buckets touched by [dateFrom, dateTo]: a week run covers Monday to Sunday. */
export function bucketRange(window: WindowName, dateFrom: string, dateTo: string): BucketRange {
  const step = window === 'day' ? 1 : 7;
  const first = bucketStartOf(window, dateFrom);
  const end = addDays(bucketStartOf(window, dateTo), step);
  return {
    start: `${first}T00:00:00Z`,
    end: `${end}T00:00:00Z`,
    bucketCount: (daysBetween(first, end) - 1) / step,
  };
}
