import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ACCEPTED_KEYS, authenticationError, routeAccess } from '../common/api-key.guard.js';
import { RETRY_AFTER_SECONDS } from '../common/exception.filter.js';
import { METRICS_PATH } from '../metrics/metrics.controller.js';
import type { ApiKeys } from '../common/api-keys.js';
import type { Secrets } from '../common/secrets.js';
import type { OperationsConfig } from '../config/operations.config.js';
import type { RequestRecords } from './access-log.js';
import { clientAddressOf } from './client-address.js';
import { corsHeadersWithoutOrigin } from './cors.js';
import { answerDirectly, JSON_CONTENT_TYPE } from './direct-answer.js';
import type { EarlyAnswers } from './early-answers.js';
import { RateLimiter, type EdgeRouteConfig } from './rate-limits.js';
import type { RouteMethods } from './route-methods.js';
import {
  announcesBody,
  headerError,
  isPreflight,
  queryEncodingError,
  secretActorError,
  unrouted,
} from './request-checks.js';
import { REQUEST_ID_HEADER, type RequestIds } from './request-id.js';
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

export interface EdgeOptions {
  config: OperationsConfig;
  keys: ApiKeys;
  ingestMaxBatch: number;
  records: RequestRecords;
  requestIds: RequestIds;
  /** The configured keys and token, which no `X-Actor` may contain. */
  secrets: Secrets;
  /** Answers given ahead of Fastify (see answerEarly). */
  early: EarlyAnswers;
  /** Filled with every route as it is registered (for 405 answers). */
  routes: RouteMethods;
  /** True once shutdown has begun: from then on Fastify answers every request. */
  closing: () => boolean;
  /** True once the HTTP server closes: from then on the edge refuses every request (503). */
  serverClosing: () => boolean;
  logger: Logger;
}

export { JSON_CONTENT_TYPE } from './direct-answer.js';

/**
 * The rules every request passes at the HTTP edge, whether Nest, a Fastify hook (the report-run
 * cache hits) or an early answer ahead of Fastify answers it. Fastify's hooks are registered
 * before anything else, so they run first:
 *
 * - `onRequest`: the security headers and `X-Request-Id` on the reply, a 400 for a repeated
 *   identity or credential header, then the rate limits, then the 404 or 405 of a request no
 *   route takes and the 401 of a protected route without its key (both before the body is
 *   read), then a 400 for a query string that is not valid percent-encoded UTF-8, and for an
 *   `X-Actor` containing a key;
 * - `onResponse`: the request's access line and HTTP metric (RequestRecords), and a 401 of a
 *   protected route counted against the caller's failed authentications.
 *
 * Early answers (see answerEarly) go through the same rules, in the same order.
 */
export function installEdgeHooks(fastify: FastifyInstance, options: EdgeOptions): void {
  const { config, keys, ingestMaxBatch, records } = options;
  const ingestLimit = ingestBodyLimit(config, ingestMaxBatch);
  fastify.addHook('onRoute', (route) => {
    // With metrics off, GET /metrics answers 404 like an unknown path: no 405 may offer it.
    if (config.metricsEnabled || route.url !== `/${METRICS_PATH}`) {
      options.routes.add(route.url, route.method);
    }
    // A route keeps the error handler of when it was added, and plugins (Swagger UI's files, the
    // CORS preflight route) may add theirs before Nest installs its own: every route's errors
    // (the edge's refusals included) go to the app's handler of the moment, so all are enveloped.
    route.errorHandler ??= (error, request, reply) =>
      fastify.errorHandler.call(fastify, error, request, reply);
    const methods = [route.method].flat();
    if (route.url === INGEST_ROUTE.url && methods.includes(INGEST_ROUTE.method)) {
      route.bodyLimit = ingestLimit;
    }
  });

  const headersFor = securityHeadersFor();
  const clientAddress = clientAddressOf(config.trustProxy);
  const limiter = new RateLimiter(config.rateLimits, keys, clientAddress);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headersFor(request.url)).header(REQUEST_ID_HEADER, request.id);
    const route = request.routeOptions.config as EdgeRouteConfig;
    const access = routeAccess(route);
    const refused =
      headerError(request.raw) ??
      limiter.check(request, reply, route) ??
      unrouted(request, options.routes) ??
      (access === 'public'
        ? undefined
        : authenticationError(keys, request.headers, ACCEPTED_KEYS[access])) ??
      queryEncodingError(request) ??
      secretActorError(request.raw, options.secrets);
    // Refused before its body is read: the connection closes after the answer, rather than
    // reading (and dropping) however much body the client still sends.
    if (refused && announcesBody(request.raw)) void reply.header('connection', 'close');
    // A preflight let through is answered by the CORS plugin's route: 204, no body.
    if (!refused && isPreflight(request)) void reply.code(204);
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
      remoteAddress: clientAddress(request.raw),
    });
    limiter.recordResponse(request, reply.statusCode);
    done();
  });

  // A flat list of names and values (a literal object with computed names would cost more than
  // the rest of the answer).
  const apiHeaders = Object.entries(headersFor('/api/')).flat();
  apiHeaders.push(...corsHeadersWithoutOrigin(config));
  /**
   * Answers a request ahead of Fastify when a registered responder has the answer and the
   * request needs nothing of Fastify: a GET without a body, without `Origin` (CORS), that the
   * header rules and the public rate limit let through, while the service is not shutting
   * down. Everything else (and a refusal, which Fastify then gives in full) goes to Fastify.
   * True when answered.
   */
  const answerEarly = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = request.url ?? '';
    const respond = request.method === 'GET' ? options.early.responderFor(url) : undefined;
    const { headers } = request;
    if (
      respond === undefined ||
      headers.origin !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      options.closing() ||
      headerError(request) !== undefined
    ) {
      return false;
    }
    const client = clientAddress(request);
    if (!limiter.admitsPublic(client)) return false;
    const started = performance.now();
    const answer = respond(url, started);
    if (answer === undefined) return false;
    const requestId = options.requestIds.from(headers);
    const responseHeaders = apiHeaders.slice();
    responseHeaders.push(REQUEST_ID_HEADER, requestId, 'content-type', JSON_CONTENT_TYPE);
    responseHeaders.push('content-length', String(answer.body.length));
    response.writeHead(200, responseHeaders).end(answer.body);
    limiter.countPublic(client);
    records.record({
      requestId,
      method: 'GET',
      route: answer.route,
      url,
      status: 200,
      ms: performance.now() - started,
      remoteAddress: client,
    });
    return true;
  };
  /**
   * A request that arrives on an open connection while the server closes (it waits for the
   * requests in flight): Fastify would answer a bare 503 of its own, without the edge's rules.
   * The 503 envelope instead, with the request id, the security headers and `Retry-After`, and
   * the connection closed after it.
   */
  const refuseWhileClosing = (request: IncomingMessage, response: ServerResponse) => {
    const answer = {
      status: 503,
      code: 'service_unavailable',
      message: 'the service is shutting down; try again later',
      requestId: options.requestIds.from(request.headers),
      headers: {
        ...headersFor(request.url ?? '/'),
        'retry-after': String(RETRY_AFTER_SECONDS),
        connection: 'close',
      },
      remoteAddress: clientAddress(request),
    };
    answerDirectly(request, response, answer, records);
  };
  const server = fastify.server;
  const fastifyHandlers = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (options.serverClosing()) {
      refuseWhileClosing(request, response);
      return;
    }
    try {
      if (answerEarly(request, response)) return;
    } catch (error) {
      // A bug on this path must not take the process down: logged, and unless a response is
      // already on its way, Fastify answers the request (or reports its own error).
      const url = records.loggedUrl(request.url ?? '');
      options.logger.error({ err: error, url }, 'early answer failed');
      if (response.headersSent) {
        if (!response.writableEnded) response.destroy();
        return;
      }
    }
    for (const handler of fastifyHandlers) handler.call(server, request, response);
  });
}
