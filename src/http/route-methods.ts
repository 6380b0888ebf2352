/** Characters with a meaning in a regular expression. */
const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * A regular expression for the paths a Fastify route URL matches: `:name` is one path segment,
 * `*` the rest of the path. (Parameters with their own regular expression, `:id(\d+)`, are not
 * understood; no route of the service has one.)
 */
function routePattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(REGEXP_SPECIAL, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
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

  /** The methods some route answers for `path` (without query string), sorted; [] for none. */
  allowedFor(path: string): string[] {
    const allowed = new Set<string>();
    for (const { pattern, methods } of this.routes) {
      if (!pattern.test(path)) continue;
      for (const method of methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}
