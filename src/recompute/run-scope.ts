import { actorFromHeader } from '../common/actor.js';
import { daysBetween, parseDay } from '../snapshots/bucket-range.js';

export { MAX_ACTOR_LENGTH } from '../common/actor.js';

/** The calendar days a recompute may name: far enough back and ahead for any real use. */
export const MIN_DAY = '1970-01-01';
export const MAX_DAY = '2999-12-31';

export const DEFAULT_ACTOR = 'management-api';

export interface Problem {
  parameter: string;
  message: string;
}

/** Why `value` is not a usable `YYYY-MM-DD` day for `parameter`, or undefined when it is. */
export function dayProblem(parameter: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return `${parameter} must be a date in YYYY-MM-DD format`;
  }
  if (!parseDay(value))
    return `${parameter} must be a real calendar date (${value} does not exist)`;
  if (value < MIN_DAY || value > MAX_DAY) {
    return `${parameter} must be between ${MIN_DAY} and ${MAX_DAY}`;
  }
  return undefined;
}

/**
 * Checks an inclusive range of valid days: ordered, and at most `maxDays` long (the wording
 * matches the report endpoints').
 */
export function rangeProblem(
  dateFrom: string,
  dateTo: string,
  maxDays: number,
): Problem | undefined {
  if (dateFrom > dateTo) {
    return { parameter: 'date_from', message: 'date_from must not be after date_to' };
  }
  const days = daysBetween(dateFrom, dateTo);
  if (days > maxDays) {
    return {
      parameter: 'date_from',
      message: `date_from to date_to spans ${days} days; the maximum is ${maxDays} (MAX_REPORT_RANGE_DAYS)`,
    };
  }
  return undefined;
}

/**
 * Who asked for a run: `requested_by` from the body, else the `X-Actor` header, else
 * `management-api`. Returns a problem for an unusable header (sent twice, or too long).
 */
export function resolveActor(
  requestedBy: string | undefined,
  header: string | string[] | undefined,
): { actor: string } | { problem: Problem } {
  if (requestedBy !== undefined) return { actor: requestedBy };
  return actorFromHeader(header, DEFAULT_ACTOR);
}
