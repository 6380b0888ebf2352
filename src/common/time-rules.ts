/**
 * Input rules for days and timestamps (see input-rules.ts for the others): each is checked by one
 * function here, with the same bounds and messages wherever it is read.
 */

import { daysBetween, formatDay } from '../snapshots/bucket-range.js';
import type { Problem } from './input-rules.js';

/**
 * The calendar days (UTC, `YYYY-MM-DD`) a report run or a recompute may name. No event can be
 * dated before 2000-01-01 (ingestion refuses it), so no earlier day can hold data; a day after
 * 2999-12-31 is a typo (3026 for 2026), not a plan. Refusing both names the mistake instead of
 * answering an empty report or a rebuild of nothing.
 */
export const EARLIEST_DAY = '2000-01-01';
export const LATEST_DAY = '2999-12-31';

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A strict `YYYY-MM-DD` calendar day as UTC midnight; undefined when malformed or impossible,
 * year 0000 included (PostgreSQL's calendar has no year 0: `'0000-01-01'::date` is an error).
 */
export function parseDay(value: string): Date | undefined {
  if (!DAY_FORMAT.test(value) || value.startsWith('0000')) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || formatDay(date) !== value ? undefined : date;
}

/** A required calendar day `YYYY-MM-DD` within [EARLIEST_DAY, LATEST_DAY]. */
export function dayProblem(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string' || !DAY_FORMAT.test(value)) {
    return `${field} must be a date in YYYY-MM-DD format`;
  }
  if (value < EARLIEST_DAY || value > LATEST_DAY) {
    return `${field} must be between ${EARLIEST_DAY} and ${LATEST_DAY}`;
  }
  if (!parseDay(value)) return `${field} must be a real calendar date (${value} does not exist)`;
  return undefined;
}

/**
 * An inclusive range `date_from`..`date_to` of valid days: ordered, and at most `maxDays` days
 * long (MAX_REPORT_RANGE_DAYS). `defaultedTo` is the value date_to got by default, if it did.
 */
export function dayRangeProblem(
  dateFrom: string,
  dateTo: string,
  maxDays: number,
  defaultedTo?: string,
): Problem | undefined {
  if (dateFrom > dateTo) {
    const note = defaultedTo === undefined ? '' : ` (date_to defaults to today, ${defaultedTo})`;
    return { parameter: 'date_from', message: `date_from must not be after date_to${note}` };
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
 * RFC 3339 date-time with an explicit offset: `2026-11-28T09:30:00Z`,
 * `2026-11-28T10:30:00.123456+01:00`. Up to microseconds (what PostgreSQL keeps).
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * The largest UTC offset PostgreSQL takes in a timestamp (±15:59; `+16:00` is the error "time
 * zone displacement out of range"). Real offsets lie within −12:00 … +14:00.
 */
const MAX_OFFSET_HOURS = 15;

/**
 * Why a text is not a timestamp PostgreSQL can store: not RFC 3339 with an offset, or naming no
 * real time (2026-02-30, 24:00, 23:60, a leap second, year 0000, which PostgreSQL's calendar
 * lacks) — `malformed`; or an offset beyond ±15:59 — `offset`.
 */
type TimestampFault = 'malformed' | 'offset';

/**
 * The instant of an RFC 3339 timestamp with offset, in epoch milliseconds (fractions of a
 * millisecond dropped), or why it is not one PostgreSQL can store. On the ingestion hot path:
 * fields are checked as numbers, without building Date objects.
 */
function readTimestamp(value: string): number | TimestampFault {
  const m = TIMESTAMP.exec(value);
  if (!m) return 'malformed';
  const [year, month, day, hour, minute, second] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return 'malformed';
  }
  if (hour > 23 || minute > 59 || second > 59) return 'malformed';
  const millis = m[7] === undefined ? 0 : +m[7].padEnd(3, '0').slice(0, 3);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  const instant = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  if (m[8] !== undefined) return instant;
  const [offsetHours, offsetMinutes] = [+m[10], +m[11]];
  if (offsetMinutes > 59) return 'malformed';
  if (offsetHours > MAX_OFFSET_HOURS) return 'offset';
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return m[9] === '+' ? instant - offset : instant + offset;
}

/**
 * The instant an RFC 3339 timestamp with offset names, in epoch milliseconds (fractions of a
 * millisecond dropped), or undefined when the text is not one PostgreSQL can store (see
 * readTimestamp).
 */
export function parseTimestamp(value: string): number | undefined {
  const read = readTimestamp(value);
  return typeof read === 'number' ? read : undefined;
}

export interface TimestampRule {
  /** Earliest instant accepted, epoch ms. */
  min: number;
  /** Latest instant accepted, epoch ms. */
  max: number;
  /** How the bounds read in messages, e.g. "2000-01-01" and "5 minutes from now". */
  minText: string;
  maxText: string;
}

/** A required RFC 3339 timestamp with offset within the rule's bounds: its instant, or why not. */
export function checkTimestamp(
  field: string,
  value: unknown,
  rule: TimestampRule,
): { instant: number } | { problem: string } {
  if (value === undefined || value === null) return { problem: `${field} is required` };
  if (typeof value !== 'string') return { problem: `${field} must be a string` };
  const instant = readTimestamp(value);
  if (instant === 'malformed') {
    return {
      problem: `${field} must be an RFC 3339 timestamp with an offset, e.g. 2026-11-28T09:30:00Z`,
    };
  }
  if (instant === 'offset') {
    const most = `${MAX_OFFSET_HOURS}:59`;
    return { problem: `${field} must have a UTC offset between -${most} and +${most}` };
  }
  if (instant < rule.min) return { problem: `${field} must not be before ${rule.minText}` };
  if (instant > rule.max) return { problem: `${field} must not be later than ${rule.maxText}` };
  return { instant };
}

/** Why `value` is not a timestamp within the rule's bounds, or undefined when it is. */
export function timestampProblem(
  field: string,
  value: unknown,
  rule: TimestampRule,
): string | undefined {
  const checked = checkTimestamp(field, value, rule);
  return 'problem' in checked ? checked.problem : undefined;
}

/**
 * The first and last millisecond an instant names: an RFC 3339 timestamp names one, a
 * `YYYY-MM-DD` day (UTC) all of its own; undefined when the text is neither.
 */
export function instantBounds(value: string): { first: number; last: number } | undefined {
  const day = parseDay(value);
  if (day) return { first: day.getTime(), last: day.getTime() + 86_400_000 - 1 };
  const instant = parseTimestamp(value);
  return instant === undefined ? undefined : { first: instant, last: instant };
}

/**
 * The instants a filter may name: those of the days a report or a recompute may name,
 * EARLIEST_DAY … LATEST_DAY in UTC. Ingestion refuses events before EARLIEST_DAY; bounding the
 * filters as well keeps every value within what PostgreSQL can read (no year 0000, no year 10000).
 */
export const INSTANT_FILTER_RULE: TimestampRule = {
  min: Date.parse(`${EARLIEST_DAY}T00:00:00Z`),
  max: Date.parse(`${LATEST_DAY}T23:59:59.999Z`),
  minText: `${EARLIEST_DAY} (UTC)`,
  maxText: `${LATEST_DAY} (UTC)`,
};

/**
 * A required instant within INSTANT_FILTER_RULE: an RFC 3339 timestamp with offset, or a
 * `YYYY-MM-DD` day (UTC), with the bounds and messages of `dayProblem` for a day.
 */
export function timestampOrDayProblem(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value === 'string') {
    if (DAY_FORMAT.test(value)) return dayProblem(field, value);
    if (readTimestamp(value) !== 'malformed') {
      return timestampProblem(field, value, INSTANT_FILTER_RULE);
    }
  }
  return `${field} must be an RFC 3339 timestamp with an offset (2026-11-28T09:30:00Z) or a day (2026-11-28)`;
}
