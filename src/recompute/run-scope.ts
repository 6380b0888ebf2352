import { actorFromHeader } from '../common/actor.js';
import type { Problem } from '../common/input-rules.js';
import type { Secrets } from '../common/secrets.js';

export { MAX_ACTOR_LENGTH } from '../common/actor.js';

export const DEFAULT_ACTOR = 'management-api';

/**
 * Who asked for a run: `requested_by` from the body, else the `X-Actor` header, else
 * `management-api`. Returns a problem for an unusable header (sent twice, too long, unprintable)
 * and for a `requested_by` containing a configured key or token (the edge refuses such an
 * `X-Actor`).
 */
export function resolveActor(
  requestedBy: string | undefined,
  header: string | string[] | undefined,
  secrets: Secrets,
): { actor: string } | { problem: Problem } {
  if (requestedBy === undefined) return actorFromHeader(header, DEFAULT_ACTOR);
  if (!secrets.foundIn(requestedBy)) return { actor: requestedBy };
  const message = 'requested_by must not contain an API key or token';
  return { problem: { parameter: 'requested_by', message } };
}
