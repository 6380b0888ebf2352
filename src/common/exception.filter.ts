import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RouteMethods } from '../http/route-methods.js';
import { ApiError, type ErrorCode } from './api-error.js';
import { isDatabaseTimeout, isDatabaseUnavailable } from './database-errors.js';
import { shownName } from './input-rules.js';
import { bodyErrorMessage } from './request-body.js';

/**
 * The challenge of every 401 (HTTP requires one): every key, and the metrics token, is accepted
 * as a bearer token (`Authorization: Bearer …`), besides the key headers.
 */
export const AUTHENTICATE_CHALLENGE = 'Bearer realm="tally"';

/** The most `error.details` entries a response carries; the message says how many more there were. */
export const MAX_ERROR_DETAILS = 20;

/**
 * The `Retry-After` of every 503 (the database does not answer, the recompute queue is full, the
 * service is shutting down): a few seconds, about as long as the pool waits for a connection.
 */
export const RETRY_AFTER_SECONDS = 5;

/** The longest request target (method and URL) a 404 or 405 message repeats. */
const MAX_SHOWN_TARGET = 200;

/** The 503 of any route whose database cannot be reached. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable; try again later';

interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: unknown[];
}

interface Described {
  status: number;
  body: ErrorBody;
  /** The `Allow` header of a 405. */
  allow?: string;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/**
 * Errors raised by the HTTP layer itself (Fastify's body reading and limits, and the static
 * files of `/docs/`, whose refusals of a path (403 for `..` or a dot file, 404) answer as any
 * path that leads nowhere).
 */
function fromHttpLayer(
  error: { statusCode?: unknown; code?: unknown; message?: unknown },
  request: FastifyRequest,
  routes: RouteMethods,
): Described | undefined {
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (status === 403 || status === 404) {
    return noRoute(`${request.method} ${request.url}`, request, routes);
  }
  const message =
    bodyErrorMessage(String(error.code ?? ''), request) ??
    String(error.message ?? 'invalid request');
  return {
    status,
    body: { code: CODE_BY_STATUS[status] ?? 'invalid_request', message, details: [] },
  };
}

function isProblem(detail: unknown): detail is { message: string } {
  return typeof (detail as { message?: unknown } | null)?.message === 'string';
}

/**
 * At most MAX_ERROR_DETAILS details. A list of problems has their messages as its message
 * (`ApiError.problems`), so the message then names the problems shown and counts the rest.
 */
function bounded(body: ErrorBody): ErrorBody {
  const rest = body.details.length - MAX_ERROR_DETAILS;
  if (rest <= 0) return body;
  const details = body.details.slice(0, MAX_ERROR_DETAILS);
  const shown = details.every(isProblem)
    ? details.map((detail) => detail.message).join('; ')
    : body.message;
  return { ...body, message: `${shown}; and ${rest} more`, details };
}

/**
 * Nest's answer to a request no route matched (`what` is its method and URL, cut at
 * MAX_SHOWN_TARGET characters): 405 with the methods of the path when routes exist for it with
 * other methods only, else 404. (A route of the request's own method also ends here when it
 * finds nothing: a missing file under `/docs/`.)
 */
function noRoute(target: string, request: FastifyRequest, routes: RouteMethods): Described {
  const what = shownName(target, MAX_SHOWN_TARGET);
  const allowed = routes.allowedForUrl(request.url);
  if (allowed.length === 0 || allowed.includes(request.method)) {
    return {
      status: 404,
      body: { code: 'not_found', message: `route not found: ${what}`, details: [] },
    };
  }
  const allow = allowed.join(', ');
  const message = `method not allowed: ${what}; this path answers ${allow}`;
  return { status: 405, allow, body: { code: 'method_not_allowed', message, details: [] } };
}

function describe(
  exception: unknown,
  request: FastifyRequest,
  routes: RouteMethods,
): Described | undefined {
  if (exception instanceof ApiError) {
    return {
      status: exception.status,
      body: { code: exception.code, message: exception.message, details: exception.details },
    };
  }
  // Nest wraps Fastify's own 4xx errors (a body too large…) in an HttpException: use the cause.
  const cause = exception instanceof HttpException ? exception.cause : undefined;
  if (cause && typeof cause === 'object' && 'code' in cause) {
    return fromHttpLayer(cause, request, routes);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500 && status !== 503) return undefined;
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' ? (response as { message?: unknown }).message : response;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
    const code = CODE_BY_STATUS[status] ?? 'invalid_request';
    // Nest's "Cannot GET /x", or a 404 of a route that is not the service's own (Swagger UI's
    // /docs/LICENSE): the service's routes answer a 404 with an ApiError.
    if (code === 'not_found') return noRoute(`${request.method} ${request.url}`, request, routes);
    return { status, body: { code, message, details: [] } };
  }
  if (exception && typeof exception === 'object') {
    return fromHttpLayer(exception, request, routes);
  }
  return undefined;
}

/**
 * Maps every error to the `{error: {code, message, details, request_id}}` envelope; unknown
 * ones to a bare 500, logged with the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routes: RouteMethods,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    let described = describe(exception, request, this.routes);
    if (!described && (isDatabaseTimeout(exception) || isDatabaseUnavailable(exception))) {
      const message = isDatabaseTimeout(exception)
        ? 'the database did not answer in time; try again later'
        : DATABASE_UNAVAILABLE_MESSAGE;
      described = { status: 503, body: { code: 'service_unavailable', message, details: [] } };
      // The access line says 503; this line says why (the driver's error, never its data).
      this.logger.warn({ request_id: request.id, err: exception }, `answered 503: ${message}`);
    }
    if (!described) {
      this.logger.error(
        { request_id: request.id, err: exception },
        `unexpected error: ${exception instanceof Error ? exception.message : String(exception)}`,
      );
      described = {
        status: 500,
        body: { code: 'internal_error', message: 'an unexpected error occurred', details: [] },
      };
    }
    if (described.allow !== undefined) void reply.header('allow', described.allow);
    if (described.status === 401) void reply.header('www-authenticate', AUTHENTICATE_CHALLENGE);
    if (described.status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    void reply
      .status(described.status)
      .send({ error: { ...bounded(described.body), request_id: request.id } });
  }
}
