import type { Problem } from '../common/input-rules.js';
import { addDays, bucketStartOf } from '../snapshots/bucket-range.js';

/** The first day a window keeps on `today`: buckets starting before it are deleted. */
export function retentionStart(today: string, retentionDays: number): string {
  return addDays(today, -retentionDays);
}

/** The first day whose raw events are kept (EVENT_RETENTION_DAYS), or undefined: all are. */
export function eventsRetentionStart(
  today: string,
  eventRetentionDays: number | undefined,
): string | undefined {
  return eventRetentionDays === undefined ? undefined : addDays(today, -eventRetentionDays);
}

export interface RetentionRule {
  today: string;
  reportSlug: string;
  window: string;
  retentionDays: number;
  /** For rebuilds only: raw events before this day are gone, so they cannot be recounted. */
  eventsFrom?: string;
}

/**
 * The first day a rebuild from `dateFrom` may start on when raw events before `eventsFrom` are
 * gone: a rebuild recounts whole buckets, and a `week` run starts on the Monday of
 * `dateFrom`'s week, so the first whole week kept starts on the first Monday from `eventsFrom`.
 */
function firstRebuildableDay(window: string, eventsFrom: string): string {
  return window === 'week' ? bucketStartOf('week', addDays(eventsFrom, 6)) : eventsFrom;
}

/**
 * Why a report run or a rebuild may not start at `dateFrom`: its buckets are outside the
 * window's retention (deleted), or, for a rebuild, their raw events were deleted. Undefined
 * when it may.
 */
export function retentionProblem(dateFrom: string, rule: RetentionRule): Problem | undefined {
  const start = retentionStart(rule.today, rule.retentionDays);
  if (dateFrom < start) {
    return {
      parameter: 'date_from',
      message:
        `date_from must not be before ${start}: ${rule.reportSlug}/${rule.window} keeps ` +
        `${rule.retentionDays} days of snapshots (the first day kept is ${start})`,
    };
  }
  if (rule.eventsFrom === undefined) return undefined;
  if (rule.window !== 'week' && dateFrom < rule.eventsFrom) {
    return {
      parameter: 'date_from',
      message:
        `date_from must not be before ${rule.eventsFrom}: raw events before it were deleted ` +
        `(EVENT_RETENTION_DAYS), so their snapshots cannot be rebuilt`,
    };
  }
  // A week run starts on the Monday of date_from's week: the day it may start on is a Monday.
  const first = firstRebuildableDay(rule.window, rule.eventsFrom);
  if (rule.window === 'week' && bucketStartOf('week', dateFrom) < first) {
    return {
      parameter: 'date_from',
      message:
        `date_from must not be before ${first}: a week run rebuilds whole weeks from Monday, ` +
        `and raw events before ${rule.eventsFrom} were deleted (EVENT_RETENTION_DAYS), so the ` +
        `week of ${dateFrom} cannot be recounted whole`,
    };
  }
  return undefined;
}
