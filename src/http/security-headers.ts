import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's policy for pages, with what Swagger UI at /docs needs: its scripts and stylesheet
 * are served from this origin, it uses inline styles (helmet's default `style-src` allows them)
 * and data: images, and "Try it out" calls this origin. `upgrade-insecure-requests` is dropped:
 * behind plain HTTP (a service reached by IP, a local run) it would make browsers fetch the
 * UI's scripts over HTTPS and fail.
 */
export const PAGE_HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
};

/**
 * Helmet's headers that matter for JSON and metrics (`/api/*`, `/metrics`): no MIME sniffing
 * (a JSON body is never run as HTML), a CSP that allows nothing and no framing, and HSTS. The
 * others (referrer, cross-origin and frame policies of documents) only apply to pages, and each
 * header costs on every cached report read, the hot path.
 */
export const API_HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/**
 * The headers helmet sets with `options`, computed once. (`@fastify/helmet` runs
 * `helmet(options)` again on every request, rebuilding every header, the CSP string included,
 * which measured more than the whole cost of a cached report read; the headers do not depend on
 * the request, so the edge sets a precomputed set instead.)
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/** The scheme and authority of an absolute-form request target (`http://host/api/…`). */
const ABSOLUTE_FORM_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path of a request target, without query string (or fragment), as sent. A URL in absolute
 * form (`GET http://host/api/… HTTP/1.1`, which HTTP/1.1 servers must accept) is judged by its
 * path.
 */
export function requestPath(url: string): string {
  const path = url.startsWith('/') ? url : url.replace(ABSOLUTE_FORM_ORIGIN, '');
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** The precomputed headers for a request URL: the API's on `/api/*` and `/metrics`, else a page's. */
export function securityHeadersFor(): (url: string) => Record<string, string> {
  const api = securityHeaders(API_HELMET_OPTIONS);
  const page = securityHeaders(PAGE_HELMET_OPTIONS);
  return (url) => {
    const path = requestPath(url);
    return path.startsWith('/api/') || path.startsWith('/metrics') ? api : page;
  };
}
