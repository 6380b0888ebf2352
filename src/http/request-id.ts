import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller's `X-Request-Id` may be; anything else is replaced by a generated id. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request: the caller's `X-Request-Id` when it is 1–128 characters of
 * `[A-Za-z0-9._:-]`, else a new UUID. (A header sent twice reaches here joined with ", ", so it
 * never qualifies; the edge then refuses the request, see repeated-headers.ts.)
 */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}
