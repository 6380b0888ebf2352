import { addDays, bucketStartOf } from '../snapshots/bucket-range.js';

/**
 * Dates in the OpenAPI examples are written relative to "today", as tokens (`{today}`,
 * `{today-29}`, `{monday-28}`), and resolved when the document is built: the service builds it
 * at start-up from its clock, so "Try it out" sends dates inside the demo data (the 90 days up to
 * the day it was loaded). `npm run openapi` builds it as of a fixed day (OPENAPI_REFERENCE_DAY in
 * swagger.ts), so the checked-in openapi.json stays deterministic.
 */
const TOKEN = /\{(today|monday)(?:([+-])(\d{1,5}))?\}/g;

function token(base: 'today' | 'monday', offset: number): string {
  if (!Number.isInteger(offset)) throw new Error('example dates: not a whole number of days');
  if (offset === 0) return `{${base}}`;
  return `{${base}${offset > 0 ? '+' : '-'}${Math.abs(offset)}}`;
}

/** The day `offset` days from the day the document is built. */
export function exampleDay(offset = 0): string {
  return token('today', offset);
}

/** The Monday (a week bucket's start) `weeks` weeks from the week the document is built in. */
export function exampleWeek(weeks = 0): string {
  return token('monday', weeks * 7);
}

/** A UTC timestamp on an example day, e.g. `exampleTime(-1, '09:30:00.000Z')`. */
export function exampleTime(offset: number, time: string): string {
  return `${exampleDay(offset)}T${time}`;
}

/** `value` (plain JSON) with every example-date token replaced by its day relative to `today`. */
export function resolveExampleDates<T>(value: T, today: string): T {
  const bases = { today, monday: bucketStartOf('week', today) };
  const text = JSON.stringify(value).replace(
    TOKEN,
    (_token, base: keyof typeof bases, sign?: string, days?: string) =>
      addDays(bases[base], (sign === '-' ? -1 : 1) * Number(days ?? 0)),
  );
  return JSON.parse(text) as T;
}
