import {
  integerProblem,
  isStorable,
  oneOfProblem,
  parseTimestamp,
  textProblem,
  timestampProblem,
  type Problem,
  type TimestampRule,
} from '../common/input-rules.js';
import { EVENT_STATUSES, type EventStatus } from '../database/entities/index.js';

/**
 * The rules of one incoming event, shared by `POST /events` and `npm run import`. Hand-written
 * rather than class-validator: a batch holds up to a thousand events and the importer millions,
 * and every event must be checked field by field with messages that name the field.
 */

export const EVENT_LIMITS = {
  textMax: 128,
  processingMsMax: 86_400_000,
  amountCentsMax: 2_147_483_647,
  payloadBytesMax: 16 * 1024,
  /** Events may not be dated before this day… */
  earliest: '2000-01-01',
  /** …nor more than this far in the future. */
  futureSlackMs: 5 * 60_000,
} as const;

export const EVENT_FIELDS = [
  'external_ref',
  'source',
  'entity_id',
  'status',
  'processing_ms',
  'amount_cents',
  'occurred_at',
  'payload',
] as const;

/** A valid event, as it will be stored. */
export interface NewEvent {
  externalRef: string;
  source: string;
  entityId: string;
  status: EventStatus;
  processingMs: number;
  amountCents: number;
  /** The timestamp as sent (PostgreSQL keeps its microseconds). */
  occurredAt: string;
  /** The payload serialized as JSON. */
  payload: string;
  /** Everything that makes two events with the same ref "identical", in canonical form. */
  identity: string;
}

const EARLIEST_MS = Date.parse(`${EVENT_LIMITS.earliest}T00:00:00Z`);

/** The bounds of `occurred_at` at `now` (epoch ms). */
export function occurredAtRule(now: number): TimestampRule {
  return {
    min: EARLIEST_MS,
    max: now + EVENT_LIMITS.futureSlackMs,
    minText: EVENT_LIMITS.earliest,
    maxText: '5 minutes from now',
  };
}

/** JSON with object keys sorted, so equal payloads serialize equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Whether every string (key or value) in `payload` can be stored in jsonb (no NUL, no broken
 * UTF-16 surrogate). Walks iteratively: no recursion on deep input.
 */
function isStorablePayload(payload: object): boolean {
  const pending: unknown[] = [payload];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (!isStorable(value)) return false;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) pending.push(key, item);
    }
  }
  return true;
}

function payloadProblem(field: string, value: unknown): { problem?: string; json?: string } {
  if (value === undefined) return { json: '{}' };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: `${field} must be a JSON object` };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return { problem: `${field} is nested too deeply` };
  }
  if (Buffer.byteLength(json) > EVENT_LIMITS.payloadBytesMax) {
    return { problem: `${field} must be at most ${EVENT_LIMITS.payloadBytesMax} bytes as JSON` };
  }
  if (!isStorablePayload(value)) {
    return { problem: `${field} must not contain NUL characters or unpaired surrogates` };
  }
  return { json };
}

/** The instant of a valid timestamp to the microsecond, as text that compares equal when equal. */
function instantKey(value: string): string {
  const micros = /\.\d{3}(\d{1,3})/.exec(value)?.[1] ?? '';
  return `${parseTimestamp(value)}.${micros.padEnd(3, '0')}`;
}

/**
 * Checks one event. `prefix` names it in messages (`events[3]`; empty for the importer, which
 * names the line itself);
 * `isSource` tells whether a slug is an active source. Returns the event, or every problem.
 */
export function checkEvent(
  raw: unknown,
  prefix: string,
  now: number,
  isSource: (slug: string) => boolean,
): { event: NewEvent } | { problems: Problem[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const what = prefix || 'an event';
    return {
      problems: [{ parameter: prefix || 'event', message: `${what} must be a JSON object` }],
    };
  }
  const input = raw as Record<string, unknown>;
  const problems: Problem[] = [];
  const name = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const check = (field: string, message: string | undefined) => {
    if (message !== undefined) problems.push({ parameter: name(field), message });
  };
  for (const key of Object.keys(input)) {
    if (!(EVENT_FIELDS as readonly string[]).includes(key)) {
      check(key, `${name(key)} is not a known field (allowed: ${EVENT_FIELDS.join(', ')})`);
    }
  }
  const get = (field: string) => (Object.hasOwn(input, field) ? input[field] : undefined);
  check(
    'external_ref',
    textProblem(name('external_ref'), get('external_ref'), { max: EVENT_LIMITS.textMax }),
  );
  const source = get('source');
  const sourceText = textProblem(name('source'), source, { max: EVENT_LIMITS.textMax });
  check(
    'source',
    sourceText ??
      (isSource(source as string)
        ? undefined
        : `${name('source')} must be the slug of an active event source (unknown or inactive: ${String(source)})`),
  );
  check(
    'entity_id',
    textProblem(name('entity_id'), get('entity_id'), { max: EVENT_LIMITS.textMax }),
  );
  check('status', oneOfProblem(name('status'), get('status'), EVENT_STATUSES));
  check(
    'processing_ms',
    integerProblem(name('processing_ms'), get('processing_ms'), 0, EVENT_LIMITS.processingMsMax),
  );
  check(
    'amount_cents',
    integerProblem(name('amount_cents'), get('amount_cents'), 0, EVENT_LIMITS.amountCentsMax),
  );
  check(
    'occurred_at',
    timestampProblem(name('occurred_at'), get('occurred_at'), occurredAtRule(now)),
  );
  const payload = payloadProblem(name('payload'), get('payload'));
  check('payload', payload.problem);
  if (problems.length > 0) return { problems };

  const event = {
    externalRef: input.external_ref as string,
    source: input.source as string,
    entityId: input.entity_id as string,
    status: input.status as EventStatus,
    processingMs: input.processing_ms as number,
    amountCents: input.amount_cents as number,
    occurredAt: input.occurred_at as string,
    payload: payload.json!,
  };
  const identity = [
    event.source,
    event.entityId,
    event.status,
    event.processingMs,
    event.amountCents,
    instantKey(event.occurredAt),
    canonicalJson(get('payload') ?? {}),
  ].join('\u0000');
  return { event: { ...event, identity } };
}
