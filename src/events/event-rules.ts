import {
  integerProblem,
  isStorable,
  oneOfProblem,
  textProblem,
  type Problem,
  jsonPath,
  unknownNameProblems,
} from '../common/input-rules.js';
import { EARLIEST_DAY, checkTimestamp, type TimestampRule } from '../common/time-rules.js';
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
  /** Events may not be dated before this day (the first day reports and recomputes name)… */
  earliest: EARLIEST_DAY,
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
  /** The instant of `occurredAt`, epoch ms. */
  occurredAtMs: number;
  /** The payload serialized as JSON. */
  payload: string;
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
 * Why a number read from JSON cannot be stored as sent, or undefined. JSON.parse reads `1e400`
 * as Infinity (JSON.stringify then writes null), and parseJson (json-text.ts) reads an integer
 * that a double rounded (12345678901234567890 becomes 12345678901234567000) as NaN: both would
 * be stored silently wrong. Payloads must therefore be parsed with parseJson (the body parser
 * and the importer do); a large number written with the digits of its double (`6.02214076e23`)
 * is stored as sent.
 */
function numberFault(value: number): string | undefined {
  if (value === Infinity || value === -Infinity) {
    return 'is too large for a JSON number (it must fit a double); send it as a string';
  }
  if (Number.isNaN(value)) {
    return 'has more significant digits than a double holds, so it would not be stored as sent; send it as a string';
  }
  return undefined;
}

/**
 * How many more characters PostgreSQL writes for `value` than JSON.stringify: jsonb keeps a
 * number as `numeric`, written out in full (`1e+300` as a 1 and 300 zeros, `1e-7` as
 * `0.0000001`). Zero for numbers JavaScript writes without an exponent.
 */
function expansion(value: number): number {
  const written = String(Math.abs(value));
  const at = written.indexOf('e');
  if (at === -1) return 0;
  const digits = written.slice(0, at).replace('.', '').length;
  const exponent = Number(written.slice(at + 1));
  const full = exponent > 0 ? Math.max(digits + 1, exponent + 1) : 1 - exponent + digits;
  return full - written.length;
}

/**
 * The first thing in `payload` (named `field`) that jsonb cannot hold as sent: a string, key or
 * value, with NUL or an unpaired UTF-16 surrogate (named as the payload), or a number outside
 * what JSON carries exactly (named by its path, `events[0].payload.items[2].n`); else how many
 * characters more its numbers take as stored (see `expansion`). Walks iteratively in document
 * order (no recursion on deep input) and spells a path out only for the value at fault.
 */
function payloadContentProblem(payload: object, field: string): Problem | number {
  let expanded = 0;
  const values: unknown[] = [payload];
  const parents: number[] = [-1];
  const keys: (string | number)[] = [''];
  const pending: number[] = [0];
  const add = (value: unknown, parent: number, key: string | number) => {
    pending.push(values.length);
    values.push(value);
    parents.push(parent);
    keys.push(key);
  };
  const unstorable = () => ({
    parameter: field,
    message: `${field} must not contain NUL characters or unpaired surrogates`,
  });
  while (pending.length > 0) {
    const at = pending.pop()!;
    const value = values[at];
    if (typeof value === 'string') {
      if (!isStorable(value)) return unstorable();
    } else if (typeof value === 'number') {
      const fault = numberFault(value);
      if (fault !== undefined) {
        const path = pathOf(field, at, parents, keys);
        return { parameter: path, message: `${path} ${fault}` };
      }
      expanded += expansion(value);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) add(value[i], at, i);
    } else if (value !== null && typeof value === 'object') {
      const names = Object.keys(value);
      for (let i = names.length - 1; i >= 0; i -= 1) {
        if (!isStorable(names[i])) return unstorable();
        add((value as Record<string, unknown>)[names[i]], at, names[i]);
      }
    }
  }
  return expanded;
}

/** The path of the value at `at`, from `field` through the keys of its parents. */
function pathOf(field: string, at: number, parents: number[], keys: (string | number)[]): string {
  const steps: (string | number)[] = [];
  for (let node = at; parents[node] >= 0; node = parents[node]) steps.push(keys[node]);
  return steps.reverse().reduce<string>(jsonPath, field);
}

function payloadProblem(field: string, value: unknown): { problem?: Problem; json?: string } {
  if (value === undefined) return { json: '{}' };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: { parameter: field, message: `${field} must be a JSON object` } };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return { problem: { parameter: field, message: `${field} is nested too deeply` } };
  }
  const tooLarge = (how = '') => {
    const message = `${field} must be at most ${EVENT_LIMITS.payloadBytesMax} bytes as JSON${how}`;
    return { problem: { parameter: field, message } };
  };
  const bytes = Buffer.byteLength(json);
  if (bytes > EVENT_LIMITS.payloadBytesMax) return tooLarge();
  const content = payloadContentProblem(value, field);
  if (typeof content !== 'number') return { problem: content };
  // Counted as stored too: numbers written out in full.
  return bytes + content > EVENT_LIMITS.payloadBytesMax
    ? tooLarge(' with its numbers written out in full, as PostgreSQL stores them')
    : { json };
}

/** The microseconds after the millisecond of a valid timestamp ("" when none are given). */
function micros(value: string): string {
  const fraction = /\.\d{3}(\d{1,3})/.exec(value);
  return fraction ? fraction[1].padEnd(3, '0') : '000';
}

/**
 * Whether two valid events are the same event: equal in every stored column (the same instant
 * however its offset is written, the same payload whatever its key order). Called only for a
 * ref read twice, so the canonical forms are built only then.
 */
export function sameContent(a: NewEvent, b: NewEvent): boolean {
  return (
    a.source === b.source &&
    a.entityId === b.entityId &&
    a.status === b.status &&
    a.processingMs === b.processingMs &&
    a.amountCents === b.amountCents &&
    a.occurredAtMs === b.occurredAtMs &&
    micros(a.occurredAt) === micros(b.occurredAt) &&
    (a.payload === b.payload ||
      canonicalJson(JSON.parse(a.payload)) === canonicalJson(JSON.parse(b.payload)))
  );
}

/**
 * Checks one event. `prefix` names it in messages (`events[3]`; empty for the importer, which
 * names the line itself); `isSource` tells whether a slug is an active source. Returns the
 * event, or every problem. On the ingestion hot path: one pass, no canonical forms.
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
  problems.push(
    ...unknownNameProblems(Object.keys(input), EVENT_FIELDS, 'field', prefix && `${prefix}.`),
  );
  const get = (field: string) => (Object.hasOwn(input, field) ? input[field] : undefined);
  const text = { max: EVENT_LIMITS.textMax };
  check('external_ref', textProblem(name('external_ref'), get('external_ref'), text));
  const source = get('source');
  const sourceProblem = textProblem(name('source'), source, text);
  check(
    'source',
    sourceProblem ??
      (isSource(source as string)
        ? undefined
        : `${name('source')} must be the slug of an active event source (unknown or inactive: ${String(source)})`),
  );
  check('entity_id', textProblem(name('entity_id'), get('entity_id'), text));
  check('status', oneOfProblem(name('status'), get('status'), EVENT_STATUSES));
  const { processingMsMax, amountCentsMax } = EVENT_LIMITS;
  check(
    'processing_ms',
    integerProblem(name('processing_ms'), get('processing_ms'), 0, processingMsMax),
  );
  check(
    'amount_cents',
    integerProblem(name('amount_cents'), get('amount_cents'), 0, amountCentsMax),
  );
  const occurredAt = checkTimestamp(name('occurred_at'), get('occurred_at'), occurredAtRule(now));
  check('occurred_at', 'problem' in occurredAt ? occurredAt.problem : undefined);
  const payload = payloadProblem(name('payload'), get('payload'));
  if (payload.problem) problems.push(payload.problem);
  if (problems.length > 0 || 'problem' in occurredAt) return { problems };

  return {
    event: {
      externalRef: input.external_ref as string,
      source: source as string,
      entityId: input.entity_id as string,
      status: input.status as EventStatus,
      processingMs: input.processing_ms as number,
      amountCents: input.amount_cents as number,
      occurredAt: input.occurred_at as string,
      occurredAtMs: occurredAt.instant,
      payload: payload.json!,
    },
  };
}
