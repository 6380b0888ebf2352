/** A 200 JSON response (UTF-8) given ahead of Fastify, and the route it is recorded under. */
export interface EarlyAnswer {
  route: string;
  body: Buffer;
}

/**
 * The answer to a plain GET of `url` (path and query string, as sent), or undefined to leave
 * the request to Fastify. It must answer at once (nothing awaited); if it throws, the error is
 * logged and Fastify answers. `started` is the `performance.now()` the request arrived at.
 */
export type EarlyResponder = (url: string, started: number) => EarlyAnswer | undefined;

/**
 * Responders that may answer a request before Fastify sees it: for the hot path of the service,
 * cached report runs, Fastify's request and reply handling cost more than the rest of the
 * answer. The edge (installEdgeHooks) asks them only for requests that need nothing of Fastify,
 * and applies its own rules (request id, security headers, rate limit, access line, metric)
 * around the answer. It applies the rules of a public route (the public rate limit, no key):
 * register only public routes here.
 */
export class EarlyAnswers {
  private readonly responders: { prefix: string; respond: EarlyResponder }[] = [];

  /** `respond` is asked for GET requests whose URL starts with `prefix`. */
  register(prefix: string, respond: EarlyResponder): void {
    this.responders.push({ prefix, respond });
  }

  responderFor(url: string): EarlyResponder | undefined {
    for (const { prefix, respond } of this.responders) {
      if (url.startsWith(prefix)) return respond;
    }
    return undefined;
  }
}
