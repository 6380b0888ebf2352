import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import type { ApiKeys } from '../common/api-keys.js';
import type { OperationsConfig } from '../config/operations.config.js';
import type { RequestRecords } from './access-log.js';
import { RateLimiter, type EdgeRouteConfig } from './rate-limits.js';
import { repeatedHeader } from './repeated-headers.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { securityHeadersFor } from './security-headers.js';

/** The ingestion route, the one route whose body may be larger than BODY_LIMIT_BYTES. */
export const INGEST_ROUTE = { method: 'POST', url: '/api/v1/events' } as const;

/** Bytes one ingested event may take in a request: a 16 KB payload plus its other fields. */
export const INGEST_BYTES_PER_EVENT = 17 * 1024;

/**
 * The body limit of `POST /events`: INGEST_BODY_LIMIT_BYTES, by default room for
 * INGEST_MAX_BATCH events with full payloads (17 MB for the default 1000).
 */
export function ingestBodyLimit(config: OperationsConfig, ingestMaxBatch: number): number {
  return config.ingestBodyLimitBytes ?? ingestMaxBatch * INGEST_BYTES_PER_EVENT;
}

const HEADER_NAMES: Record<string, string> = {
  'x-actor': 'X-Actor',
  'x-request-id': 'X-Request-Id',
  'x-management-key': 'X-Management-Key',
  'x-ingest-key': 'X-Ingest-Key',
  authorization: 'Authorization',
};

function repeatedHeaderError(name: string): ApiError {
  const header = HEADER_NAMES[name] ?? name;
  const message = `the ${header} header must be sent once, not repeated`;
  return ApiError.invalid(message, [{ parameter: header, message }]);
}

/**
 * A 400 for headers no request may have: an identity or credential header sent twice, or an
 * HTTP/1.1 request without `Host` (Node would answer that with an empty 400 of its own; the
 * server leaves it to this hook, see createHttpAdapter).
 */
function headerError(request: FastifyRequest): ApiError | undefined {
  const repeated = repeatedHeader(request.raw.rawHeaders);
  if (repeated !== undefined) return repeatedHeaderError(repeated);
  if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
    const message = 'an HTTP/1.1 request must send a Host header';
    return ApiError.invalid(message, [{ parameter: 'Host', message }]);
  }
  return undefined;
}

export interface EdgeOptions {
  config: OperationsConfig;
  keys: ApiKeys;
  ingestMaxBatch: number;
  records: RequestRecords;
}

/**
 * The Fastify hooks every request passes, whether Nest or a hook ahead of it (the report-run
 * cache hits) answers it. Registered before anything else, so they run first:
 *
 * - `onRequest`: the security headers and `X-Request-Id` on the reply, a 400 for a repeated
 *   identity or credential header, then the rate limits;
 * - `onResponse`: the request's access line and HTTP metric (RequestRecords), and a 401 of a
 *   protected route counted against the caller's failed authentications.
 */
export function installEdgeHooks(
  fastify: FastifyInstance,
  { config, keys, ingestMaxBatch, records }: EdgeOptions,
): void {
  const ingestLimit = ingestBodyLimit(config, ingestMaxBatch);
  fastify.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (route.url === INGEST_ROUTE.url && methods.includes(INGEST_ROUTE.method)) {
      route.bodyLimit = ingestLimit;
    }
  });

  const headersFor = securityHeadersFor();
  const limiter = new RateLimiter(config.rateLimits, keys);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headersFor(request.url)).header(REQUEST_ID_HEADER, request.id);
    const refused =
      headerError(request) ??
      limiter.check(request, reply, request.routeOptions.config as EdgeRouteConfig);
    done(refused as FastifyError | undefined);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    records.record({
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url,
      status: reply.statusCode,
      ms: reply.elapsedTime,
      remoteAddress: request.ip,
    });
    limiter.recordResponse(request, reply.statusCode);
    done();
  });
}
