import { isUtf8 } from 'node:buffer';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { textProblem, type Problem } from './input-rules.js';

/** Longest actor name accepted (`X-Actor`, `requested_by`). */
export const MAX_ACTOR_LENGTH = 200;

/**
 * A header value as the UTF-8 text its bytes spell, or undefined when they are not UTF-8. Node
 * reads header values one character per byte (Latin-1), so `zoë` arrives as `zoÃ«`.
 */
function utf8HeaderValue(value: string): string | undefined {
  const bytes = Buffer.from(value, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/**
 * Who the audit trail names for a request: the `X-Actor` header (UTF-8), trimmed, else
 * `fallback` when it is absent. Returns a problem for an unusable header (sent twice, blank,
 * too long, not UTF-8 or unprintable).
 */
export function actorFromHeader(
  header: string | string[] | undefined,
  fallback: string,
): { actor: string } | { problem: Problem } {
  const problem = (message: string) => ({ problem: { parameter: 'X-Actor', message } });
  if (Array.isArray(header)) return problem('X-Actor must be sent at most once');
  if (header === undefined) return { actor: fallback };
  const actor = utf8HeaderValue(header)?.trim();
  if (actor === undefined) return problem('X-Actor must be UTF-8 text');
  const message = textProblem('X-Actor', actor, { max: MAX_ACTOR_LENGTH });
  return message ? problem(message) : { actor };
}

/** The request's actor (`@Actor('ingest-api') actor: string`); a bad `X-Actor` is a 400. */
export const Actor = createParamDecorator((fallback: string, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const resolved = actorFromHeader(request.headers['x-actor'], fallback);
  if ('problem' in resolved) throw ApiError.problems([resolved.problem]);
  return resolved.actor;
});
