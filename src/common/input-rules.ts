/**
 * The one module of input rules: each kind of value taken from a request, a file or the
 * command line (a text field, an integer, a timestamp, a slug) is checked by one function here,
 * with the same bounds and the same messages wherever it is read. Each `…Problem` function
 * returns why the value is unusable for the named field, or undefined when it is fine.
 */

/** A field name and what is wrong with its value, as `error.details` lists them. */
export interface Problem {
  parameter: string;
  message: string;
}

/**
 * Characters no identifier or name may hold: C0 and C1 controls (NUL cannot be stored in
 * PostgreSQL text at all), DEL, and UTF-16 halves without their other half (they cannot be
 * encoded as UTF-8, so they would be stored as a replacement character, not as sent).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** NUL and unpaired UTF-16 surrogates: what no PostgreSQL text or jsonb value can hold. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether PostgreSQL can store `value` as sent (in text or inside jsonb). */
export function isStorable(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Whether `value` has only printable characters (see UNPRINTABLE). */
export function isPrintable(value: string): boolean {
  return !UNPRINTABLE.test(value);
}

export interface TextRule {
  /** Least length, in characters (default 1: empty text is refused). */
  min?: number;
  max: number;
}

/** A required string of printable characters whose length lies within the rule. */
export function textProblem(field: string, value: unknown, rule: TextRule): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string') return `${field} must be a string`;
  const min = rule.min ?? 1;
  const length = [...value].length;
  if (length < min || length > rule.max) {
    return min === 1 && length === 0
      ? `${field} must not be empty`
      : `${field} must be ${min}–${rule.max} characters long`;
  }
  if (!isPrintable(value)) return `${field} must contain only printable characters`;
  return undefined;
}

/** A required JSON integer (not a string, not a fraction) in [min, max]. */
export function integerProblem(
  field: string,
  value: unknown,
  min: number,
  max: number,
): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return `${field} must be an integer`;
  }
  if (value < min || value > max) return `${field} must be between ${min} and ${max}`;
  return undefined;
}

/** One of a fixed set of strings. */
export function oneOfProblem(
  field: string,
  value: unknown,
  values: readonly string[],
): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string' || !values.includes(value)) {
    return `${field} must be one of ${values.join(', ')}`;
  }
  return undefined;
}

/** Slugs of event sources (and other catalog rows): lower-case letters, digits and dashes. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function slugProblem(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string') return `${field} must be a string`;
  if (!SLUG_PATTERN.test(value)) {
    return `${field} must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit`;
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
 * The instant an RFC 3339 timestamp with offset names, in epoch milliseconds (fractions of a
 * millisecond dropped), or undefined when the text is not one or names no real time
 * (2026-02-30, 24:00, 23:60, a leap second, an offset of +24:00). On the ingestion hot path:
 * fields are checked as numbers, without building Date objects.
 */
export function parseTimestamp(value: string): number | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : +m[7].padEnd(3, '0').slice(0, 3);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  const instant = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  if (m[8] !== undefined) return instant;
  const [offsetHours, offsetMinutes] = [+m[10], +m[11]];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return m[9] === '+' ? instant - offset : instant + offset;
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
  const instant = parseTimestamp(value);
  if (instant === undefined) {
    return {
      problem: `${field} must be an RFC 3339 timestamp with an offset, e.g. 2026-11-28T09:30:00Z`,
    };
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
