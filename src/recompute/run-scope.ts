import { actorFromHeader } from '../common/actor.js';
import type { Problem } from '../common/input-rules.js';

export { MAX_ACTOR_LENGTH } from '../common/actor.js';

export const DEFAULT_ACTOR = 'management-api';

/**
 * Who asked for a run: `requested_by` from the body, else the `X-Actor` header, else
 * `management-api`. Returns a problem for an unusable header (sent twice, too long, unprintable).
 */
export function resolveActor(
  requestedBy: string | undefined,
  header: string | string[] | undefined,
): { actor: string } | { problem: Problem } {
  if (requestedBy !== undefined) return { actor: requestedBy };
  return actorFromHeader(header, DEFAULT_ACTOR);
}
