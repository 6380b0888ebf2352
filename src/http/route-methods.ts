import { requestPath } from './security-headers.js';

/**
 * The longest path segment a route parameter (`:slug`, `:id`) takes, counted as the router
 * counts it (fully percent-decoded); the router answers a longer one 404. Fastify's router is
 * given this value.
 */
export const MAX_PARAM_LENGTH = 100;

/** Characters with a meaning in a regular expression. */
const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * A regular expression for the paths a Fastify route URL matches: `:name` is one path segment
 * (captured, so its length can be checked), `*` the rest of the path. (Parameters with their
 * own regular expression, `:id(\d+)`, are not understood; no route of the service has one.)
 */
function routePattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      if (part.startsWith(':')) return '([^/]+)';
      return part.replace(REGEXP_SPECIAL, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** A parameter's length as the router measures it: after decoding every percent escape. */
function paramLength(segment: string): number {
  try {
    return decodeURIComponent(segment).length;
  } catch {
    return segment.length;
  }
}

/**
 * The path of `url` as the router matches it: percent-encoded characters decoded, except those
 * that would change the path's structure (`%2F` stays one segment's text). Undecodable: ''.
 */
function routedPath(url: string): string {
  try {
    return decodeURI(requestPath(url));
  } catch {
    return '';
  }
}

/**
 * The methods each route answers, recorded as Fastify registers the routes, so that a request
 * whose path exists but not for its method gets 405 with `Allow` rather than 404. Catch-all
 * routes (`*`, such as the CORS preflight's `OPTIONS *`) are left out: they would make every
 * path exist.
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: readonly string[] }[] = [];

  add(url: string, methods: string | readonly string[]): void {
    if (url === '*' || url === '/*') return;
    this.routes.push({ pattern: routePattern(url), methods: [methods].flat() });
  }

  /** The methods some route answers for the path of a request URL (as sent), sorted. */
  allowedForUrl(url: string): string[] {
    return this.allowedFor(routedPath(url));
  }

  /**
   * The methods some route answers for `path` (without query string; percent-encoded
   * unreserved characters decoded, as `decodeURI` does), sorted; [] for none.
   */
  allowedFor(path: string): string[] {
    const allowed = new Set<string>();
    for (const { pattern, methods } of this.routes) {
      const match = pattern.exec(path);
      if (match === null) continue;
      if (match.slice(1).some((param) => paramLength(param) > MAX_PARAM_LENGTH)) continue;
      for (const method of methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}
