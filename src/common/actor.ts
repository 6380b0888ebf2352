import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { textProblem, type Problem } from './input-rules.js';

/** Longest actor name accepted (`X-Actor`, `requested_by`). */
export const MAX_ACTOR_LENGTH = 200;

/**
 * Who the audit trail names for a request: the `X-Actor` header, trimmed, else `fallback`.
 * Returns a problem for an unusable header (sent twice, too long, or unprintable).
 */
export function actorFromHeader(
  header: string | string[] | undefined,
  fallback: string,
): { actor: string } | { problem: Problem } {
  if (Array.isArray(header)) {
    return { problem: { parameter: 'X-Actor', message: 'X-Actor must be sent at most once' } };
  }
  const actor = header?.trim();
  if (!actor) return { actor: fallback };
  const message = textProblem('X-Actor', actor, { max: MAX_ACTOR_LENGTH });
  return message ? { problem: { parameter: 'X-Actor', message } } : { actor };
}

/** The request's actor (`@Actor('ingest-api') actor: string`); a bad `X-Actor` is a 400. */
export const Actor = createParamDecorator((fallback: string, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const resolved = actorFromHeader(request.headers['x-actor'], fallback);
  if ('problem' in resolved) throw ApiError.problems([resolved.problem]);
  return resolved.actor;
});
