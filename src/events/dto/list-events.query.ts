import { ApiPropertyOptional } from '@nestjs/swagger';
import { oneOfProblem, textProblem } from '../../common/input-rules.js';
import { EARLIEST_DAY, LATEST_DAY, timestampOrDayProblem } from '../../common/time-rules.js';
import { IntegerParameter, queryParameter, Rule } from '../../common/validation.js';
import { EVENT_STATUSES, type EventStatus } from '../../database/entities/index.js';
import { EVENT_LIMITS } from '../event-rules.js';
import { SOURCE_SLUGS_NOTE } from '../reference-sources.js';

export const EVENTS_LIMIT = { default: 100, min: 1, max: 500 } as const;

const exactText = queryParameter((field, value) =>
  textProblem(field, value, { max: EVENT_LIMITS.textMax, lookup: true }),
);
const instant = queryParameter(timestampOrDayProblem);

/** Query of `GET /events`: exact-match filters, a time range and keyset pagination. */
export class ListEventsQuery {
  @ApiPropertyOptional({ description: `event source slug (exact). ${SOURCE_SLUGS_NOTE}` })
  @Rule(exactText)
  source?: string;

  @ApiPropertyOptional({ description: 'entity id (exact), e.g. `entity-42` in the demo data' })
  @Rule(exactText)
  entity_id?: string;

  @ApiPropertyOptional({ enum: EVENT_STATUSES, description: 'status (exact)' })
  @Rule(queryParameter((field, value) => oneOfProblem(field, value, EVENT_STATUSES)))
  status?: EventStatus;

  @ApiPropertyOptional({
    description: 'the idempotency key (exact), e.g. `evt-1` in the demo data',
  })
  @Rule(exactText)
  external_ref?: string;

  @ApiPropertyOptional({
    description:
      'earliest occurred_at (inclusive): an RFC 3339 timestamp with offset, or a UTC day (from its first instant); ' +
      `within ${EARLIEST_DAY} … ${LATEST_DAY} (UTC)`,
  })
  @Rule(instant)
  occurred_from?: string;

  @ApiPropertyOptional({
    description:
      'latest occurred_at (inclusive): an RFC 3339 timestamp with offset, or a UTC day (up to its last instant); ' +
      `within ${EARLIEST_DAY} … ${LATEST_DAY} (UTC)`,
  })
  @Rule(instant)
  occurred_to?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: EVENTS_LIMIT.min,
    maximum: EVENTS_LIMIT.max,
    default: EVENTS_LIMIT.default,
  })
  @IntegerParameter(EVENTS_LIMIT.min, EVENTS_LIMIT.max)
  limit: number = EVENTS_LIMIT.default;

  @ApiPropertyOptional({
    description: "the previous page's meta.next_cursor (opaque); omit for the first page",
  })
  @Rule(queryParameter((field, value) => textProblem(field, value, { max: 200 })))
  cursor?: string;
}
