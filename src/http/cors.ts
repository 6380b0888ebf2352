import type { OperationsConfig } from '../config/operations.config.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** The methods the API's routes take (@fastify/cors allows no PATCH by default). */
const CORS_METHODS = 'GET,HEAD,POST,PATCH';
/** Response headers a browser script may read. */
const EXPOSED_HEADERS = [REQUEST_ID_HEADER, 'retry-after'];

/**
 * The CORS options of the app (`CORS_ORIGINS`); undefined when CORS is off. The CORS hook runs
 * before the edge's (so that every answer, a 401 or 429 too, carries the CORS headers a browser
 * needs to read it); a preflight is not answered there but passed on (`preflightContinue`), so
 * that it meets the edge's rules (request id, security headers, rate limit, 404 for a path that
 * leads nowhere), and `OPTIONS` without `Access-Control-Request-Method` is left to the edge
 * (`strictPreflight` off), which refuses it as without CORS.
 */
export function corsOptions(config: OperationsConfig) {
  if (config.corsOrigins.length === 0) return undefined;
  return {
    origin: config.corsOrigins[0] === '*' ? true : config.corsOrigins,
    methods: CORS_METHODS,
    exposedHeaders: EXPOSED_HEADERS,
    preflightContinue: true,
    strictPreflight: false,
  };
}

/**
 * The headers @fastify/cors adds to a response to a request without `Origin`, as a flat list
 * of names and values (for answers given ahead of Fastify): `Vary: Origin`, so that a shared
 * cache does not give the response to a request from an origin, and the exposed headers.
 */
export function corsHeadersWithoutOrigin(config: OperationsConfig): string[] {
  if (corsOptions(config) === undefined) return [];
  return ['vary', 'Origin', 'access-control-expose-headers', EXPOSED_HEADERS.join(', ')];
}
