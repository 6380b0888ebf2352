import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '../config/app.config.js';

/** Which configured key a route accepts: the management key opens every protected route. */
export type KeyRole = 'management' | 'ingest';

/** The headers a key may be presented in, besides `Authorization: Bearer`. */
const KEY_HEADERS = ['x-management-key', 'x-ingest-key'] as const;

const BEARER = /^Bearer[ \t]+(.+)$/i;

export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const bearer = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
  const token = bearer?.[1].trim();
  return token === '' ? undefined : token;
}

/**
 * The keys a request presents: `X-Management-Key`, `X-Ingest-Key` and/or an
 * `Authorization: Bearer` token. A header sent twice (an array) presents nothing: it is
 * ambiguous, so it never matches.
 */
export function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  for (const name of KEY_HEADERS) {
    const header = headers[name];
    if (typeof header === 'string' && header.trim() !== '') keys.push(header.trim());
  }
  const bearer = bearerToken(headers.authorization);
  if (bearer !== undefined) keys.push(bearer);
  return keys;
}

/**
 * The configured keys, and which of them a request presents. Both sides are hashed with SHA-256
 * before a constant-time comparison, so neither a key's content nor its length leaks through
 * timing, and keys of any length compare safely. Keys are never logged or echoed.
 */
export class ApiKeys {
  private readonly expected: Record<KeyRole, Buffer>;

  constructor(config: Pick<AppConfig, 'managementApiKey' | 'ingestApiKey'>) {
    this.expected = {
      management: digest(config.managementApiKey),
      ingest: digest(config.ingestApiKey),
    };
  }

  /** True when `key` is the key of `role`; constant time in the key's content. */
  matches(key: string, role: KeyRole): boolean {
    return timingSafeEqual(digest(key), this.expected[role]);
  }

  /**
   * The first of `roles` whose key the request presents (in any key header), or undefined.
   * Every presented key is compared with every role (no early exit), so timing does not tell
   * which one failed. Other keys presented beside a valid one change nothing.
   */
  presentedRole(headers: IncomingHttpHeaders, roles: readonly KeyRole[]): KeyRole | undefined {
    const keys = presentedKeys(headers);
    const matched = roles.map((role) => keys.map((key) => this.matches(key, role)).includes(true));
    return roles[matched.indexOf(true)];
  }
}
