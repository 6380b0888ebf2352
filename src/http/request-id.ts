import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Secrets } from '../common/secrets.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller's `X-Request-Id` may be; anything else is replaced by a generated id. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request its id: the caller's `X-Request-Id` when it is 1–128 characters of
 * `[A-Za-z0-9._:-]` and contains no configured secret (an id is logged; a client that sends its
 * key there by mistake must not have it written to every line), else a new UUID. (A header sent
 * twice reaches here joined with ", ", so it never qualifies; the edge then refuses the request,
 * see repeated-headers.ts.)
 */
export class RequestIds {
  private secrets = Secrets.NONE;

  /** Once the configuration is read (the HTTP adapter exists before it). */
  attach(secrets: Secrets): void {
    this.secrets = secrets;
  }

  from(headers: IncomingHttpHeaders): string {
    const given = headers[REQUEST_ID_HEADER];
    return typeof given === 'string' && VALID_REQUEST_ID.test(given) && !this.secrets.foundIn(given)
      ? given
      : randomUUID();
  }
}
