import { parseTimestamp } from '../common/time-rules.js';
import type { EventCursor } from './events.repository.js';

/** `occurred_at` as the listing prints it: UTC, to the microsecond. */
const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The opaque `next_cursor` of a page ending with `last` (base64url of "<occurred_at>|<id>"). */
export function encodeCursor(last: EventCursor): string {
  return Buffer.from(`${last.occurredAt}|${last.id}`, 'utf8').toString('base64url');
}

/**
 * The position a cursor names, or undefined when it is not one this service made. Its time is
 * read by the one timestamp parser, so a cursor naming no real time (2026-02-30, 24:00, year 0000)
 * is refused here instead of by PostgreSQL, and so is an id that a JavaScript number cannot hold
 * exactly (above 2^53 − 1), which would otherwise name a position next to the one it says.
 */
export function decodeCursor(cursor: string): EventCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(cursor)) return undefined;
  const [occurredAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (
    extra !== undefined ||
    !OCCURRED_AT.test(occurredAt ?? '') ||
    !/^[1-9]\d{0,15}$/.test(id ?? '') ||
    !Number.isSafeInteger(Number(id))
  ) {
    return undefined;
  }
  if (parseTimestamp(occurredAt) === undefined) return undefined;
  return { occurredAt, id: Number(id) };
}
