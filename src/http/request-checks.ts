import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { shownParameter } from '../common/input-rules.js';
import type { Secrets } from '../common/secrets.js';
import { repeatedHeader } from './repeated-headers.js';
import type { RouteMethods } from './route-methods.js';
import { requestPath } from './security-headers.js';

// What the HTTP edge refuses of a request before anything else reads it (see installEdgeHooks).

const HEADER_NAMES: Record<string, string> = {
  host: 'Host',
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
 * The scheme and user information of an absolute-form request target with credentials
 * (`http://user:password@host/…`), which HTTP says to treat as an error.
 */
export const TARGET_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/**
 * A 400 for what no request may have: user credentials in the request target, an identity or
 * credential header sent twice, or an HTTP/1.1 request without `Host` (Node would answer that
 * with an empty 400 of its own; the server leaves it to this hook, see createHttpAdapter).
 */
export function headerError(request: IncomingMessage): ApiError | undefined {
  const url = request.url ?? '';
  if (!url.startsWith('/') && TARGET_USERINFO.test(url)) {
    return ApiError.invalid('the request target must not contain user credentials (user@host)');
  }
  const repeated = repeatedHeader(request.rawHeaders);
  if (repeated !== undefined) return repeatedHeaderError(repeated);
  if (request.httpVersion === '1.1' && request.headers.host === undefined) {
    const message = 'an HTTP/1.1 request must send a Host header';
    return ApiError.invalid(message, [{ parameter: 'Host', message }]);
  }
  return undefined;
}

/**
 * A 400 for an `X-Actor` that contains a configured key or token: an actor is stored with what
 * it did, listed in the audit trail and may label a metric, so a key sent there by mistake
 * would be kept and shown.
 */
export function secretActorError(request: IncomingMessage, secrets: Secrets): ApiError | undefined {
  const actor = request.headers['x-actor'];
  if (typeof actor !== 'string' || !secrets.foundIn(actor)) return undefined;
  const message = 'X-Actor must not contain an API key or token';
  return ApiError.invalid(message, [{ parameter: 'X-Actor', message }]);
}

/** A `%` not followed by two hexadecimal digits. */
const BROKEN_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** `text` percent-decoded as UTF-8 (`+` a space), or undefined when it is not valid. */
function decoded(text: string): string | undefined {
  if (BROKEN_ESCAPE.test(text)) return undefined;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * A 400 for a query string that is not valid percent-encoded UTF-8 (`%zz`, `%FF`), naming the
 * first parameter at fault: the query parser would otherwise take such text as it is, while
 * the same bytes in the path are a 400.
 */
export function queryEncodingError(request: FastifyRequest): ApiError | undefined {
  const { url } = request;
  const start = url.indexOf('?');
  if (start === -1 || !url.includes('%', start)) return undefined;
  // The API's routes only (as the router matched them): /metrics ignores its query string.
  if (!request.routeOptions.url?.startsWith('/api/')) return undefined;
  for (const pair of url.slice(start + 1).split('&')) {
    const at = pair.indexOf('=');
    const [name, value] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    const readable = decoded(name);
    if (readable !== undefined && decoded(value) !== undefined) continue;
    const parameter = shownParameter(readable ?? name);
    const message = `${parameter} is not valid percent-encoded UTF-8`;
    return ApiError.invalid(message, [{ parameter, message }]);
  }
  return undefined;
}

/** Whether the request announces a body (which a refusal before reading it leaves unread). */
export function announcesBody(request: IncomingMessage): boolean {
  const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
  return encoding !== undefined || (length !== undefined && length !== '0');
}

/** The route serving the Swagger UI package's folder under /docs. */
const DOCS_ASSETS_ROUTE = '/docs/*';

/**
 * The files of that folder the Swagger UI page loads; the rest of it (the package's
 * `package.json` and README, source maps, a demo page pointing at petstore.swagger.io) is not
 * served.
 */
const DOCS_ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

/** The Swagger UI page again, whose relative links lead nowhere from there (/docs is the page). */
const DOCS_INDEX_ROUTE = '/docs/index.html';

/** Whether `request` is a CORS preflight (`OPTIONS` with `Origin` and the method it asks for). */
export function isPreflight(request: FastifyRequest): boolean {
  const { origin, 'access-control-request-method': method } = request.headers;
  return request.method === 'OPTIONS' && origin !== undefined && method !== undefined;
}

/**
 * A request that no route takes, refused before its body is read: so a path that leads nowhere
 * (404), or a method its path does not answer (405 with `Allow`), wins over whatever is wrong
 * with the body (invalid JSON, a media type, a size). The exception filter words the answer, as
 * for any 404 of the HTTP layer. With CORS on, a catch-all `OPTIONS` route answers preflights;
 * it takes only a preflight to a path some route answers, so any other `OPTIONS` request is
 * refused as when CORS is off. Under /docs, only the files of the Swagger UI page exist.
 */
export function unrouted(request: FastifyRequest, routes: RouteMethods): FastifyError | undefined {
  // The common case first, without reading the route's options.
  const { method, url } = request;
  if (!request.is404 && method !== 'OPTIONS' && !url.startsWith('/docs/')) return undefined;
  const takenOptions =
    request.method === 'OPTIONS' &&
    isPreflight(request) &&
    routes.allowedForUrl(request.url).length > 0;
  const route = request.routeOptions.url;
  const hiddenAsset =
    route === DOCS_INDEX_ROUTE ||
    (route === DOCS_ASSETS_ROUTE &&
      !DOCS_ASSETS.has(requestPath(request.url).slice('/docs/'.length)));
  if (!request.is404 && !hiddenAsset && (request.method !== 'OPTIONS' || takenOptions)) {
    return undefined;
  }
  const error = new Error(`no route for ${request.method} ${request.url}`) as FastifyError;
  return Object.assign(error, { statusCode: 404, code: 'FST_ERR_NOT_FOUND' });
}
