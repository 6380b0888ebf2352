import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { parseTimestamp } from '../../common/input-rules.js';
import { toInteger } from '../../common/pagination.query.js';
import { IsPlainText } from '../../common/validation.js';
import { EVENT_STATUSES, type EventStatus } from '../../database/entities/index.js';
import { parseDay } from '../../snapshots/bucket-range.js';
import { EVENT_LIMITS } from '../event-rules.js';

export const EVENTS_LIMIT = { default: 100, min: 1, max: 500 } as const;

const IfPresent = (field: string) =>
  ValidateIf((query: Record<string, unknown>) => query[field] !== undefined);

/** An RFC 3339 timestamp with offset, or a `YYYY-MM-DD` day (UTC). */
function IsTimestampOrDay() {
  return ValidateBy({
    name: 'isTimestampOrDay',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (parseTimestamp(value) !== undefined || parseDay(value) !== undefined),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property} must be an RFC 3339 timestamp with an offset (2026-11-28T09:30:00Z) or a day (2026-11-28)`,
    },
  });
}

/** Query of `GET /events`: exact-match filters, a time range and keyset pagination. */
export class ListEventsQuery {
  @ApiPropertyOptional({ description: 'event source slug (exact)', example: 'stripe' })
  @IfPresent('source')
  @IsString()
  @MaxLength(EVENT_LIMITS.textMax)
  @IsPlainText()
  source?: string;

  @ApiPropertyOptional({ description: 'entity id (exact)', example: 'entity-42' })
  @IfPresent('entity_id')
  @IsString()
  @MaxLength(EVENT_LIMITS.textMax)
  @IsPlainText()
  entity_id?: string;

  @ApiPropertyOptional({ enum: EVENT_STATUSES, description: 'status (exact)' })
  @IfPresent('status')
  @IsIn(EVENT_STATUSES)
  status?: EventStatus;

  @ApiPropertyOptional({ description: 'the idempotency key (exact)', example: 'evt-1' })
  @IfPresent('external_ref')
  @IsString()
  @MaxLength(EVENT_LIMITS.textMax)
  @IsPlainText()
  external_ref?: string;

  @ApiPropertyOptional({
    description:
      'earliest occurred_at (inclusive): an RFC 3339 timestamp with offset, or a UTC day (from its first instant)',
  })
  @IfPresent('occurred_from')
  @IsTimestampOrDay()
  occurred_from?: string;

  @ApiPropertyOptional({
    description:
      'latest occurred_at (inclusive): an RFC 3339 timestamp with offset, or a UTC day (up to its last instant)',
  })
  @IfPresent('occurred_to')
  @IsTimestampOrDay()
  occurred_to?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: EVENTS_LIMIT.min,
    maximum: EVENTS_LIMIT.max,
    default: EVENTS_LIMIT.default,
  })
  @IfPresent('limit')
  @Transform(toInteger)
  @IsInt()
  @Min(EVENTS_LIMIT.min)
  @Max(EVENTS_LIMIT.max)
  limit: number = EVENTS_LIMIT.default;

  @ApiPropertyOptional({
    description: "the previous page's meta.next_cursor (opaque); omit for the first page",
  })
  @IfPresent('cursor')
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  cursor?: string;
}
