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
 * The first day a `week` rebuild may start on when raw events before `eventsFrom` are gone: a
 * week run recounts whole weeks from the Monday of its `date_from`, so the first week it can
 * recount whole starts on the first Monday from `eventsFrom`.
 */
function firstWholeWeek(eventsFrom: string): string {
  return bucketStartOf('week', addDays(eventsFrom, 6));
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
  const { eventsFrom } = rule;
  if (eventsFrom === undefined) return undefined;
  if (rule.window === 'week') {
    const first = firstWholeWeek(eventsFrom);
    if (bucketStartOf('week', dateFrom) >= first) return undefined;
    return {
      parameter: 'date_from',
      message:
        `date_from must not be before ${first}: a week run rebuilds whole weeks from Monday, ` +
        `and raw events before ${eventsFrom} were deleted (EVENT_RETENTION_DAYS), so the ` +
        `week of ${dateFrom} cannot be recounted whole`,
    };
  }
  if (dateFrom < eventsFrom) {
    return {
      parameter: 'date_from',
      message:
        `date_from must not be before ${eventsFrom}: raw events before it were deleted ` +
        `(EVENT_RETENTION_DAYS), so their snapshots cannot be rebuilt`,
    };
  }
  return undefined;
}
