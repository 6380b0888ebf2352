import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { exampleTime } from '../../common/example-dates.js';
import { SLUG_PATTERN } from '../../common/input-rules.js';
import { EVENT_STATUSES, type EventStatus } from '../../database/entities/index.js';
import { SOURCE_SLUGS_NOTE } from '../reference-sources.js';
import { EVENT_LIMITS } from '../event-rules.js';

/** One event of `POST /events` (documentation: the rules are checked by event-rules.ts). */
export class IngestEventDto {
  @ApiProperty({
    example: 'stripe-ch_3PZ9x2',
    minLength: 1,
    maxLength: EVENT_LIMITS.textMax,
    description: 'the idempotency key: unique among all events; printable characters',
  })
  external_ref: string;

  @ApiProperty({
    example: 'stripe',
    pattern: SLUG_PATTERN.source,
    description: `slug of an active event source. ${SOURCE_SLUGS_NOTE}`,
  })
  source: string;

  @ApiProperty({ example: 'merchant-1042', minLength: 1, maxLength: EVENT_LIMITS.textMax })
  entity_id: string;

  @ApiProperty({ enum: EVENT_STATUSES, example: 'success' })
  status: EventStatus;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: EVENT_LIMITS.processingMsMax, example: 240 })
  processing_ms: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: EVENT_LIMITS.amountCentsMax, example: 1999 })
  amount_cents: number;

  @ApiProperty({
    format: 'date-time',
    example: exampleTime(-1, '09:30:00Z'),
    description: `RFC 3339 with an offset (Z or ±hh:mm); not before ${EVENT_LIMITS.earliest}, not more than 5 minutes in the future`,
  })
  occurred_at: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { region: 'eu-west', card: 'visa' },
    description: `free-form JSON object, at most ${EVENT_LIMITS.payloadBytesMax} bytes serialized; default {}`,
  })
  payload?: Record<string, unknown>;
}

/** Body of `POST /events`. */
export class IngestBatchDto {
  @ApiProperty({
    type: [IngestEventDto],
    minItems: 1,
    description: '1 to INGEST_MAX_BATCH (default 1000) events',
  })
  events: IngestEventDto[];
}

export class ConflictDto {
  @ApiProperty({ example: 3, description: 'position of the event in the batch' })
  index: number;

  @ApiProperty({ example: 'stripe-ch_3PZ9x2' })
  external_ref: string;
}

/** What a stored batch did. */
export class IngestResultDto {
  @ApiProperty({ example: 998, description: 'events stored by this batch' })
  accepted: number;

  @ApiProperty({
    example: 1,
    description: 'events already stored with identical content (stored once, however often sent)',
  })
  duplicates: number;

  @ApiProperty({
    type: [ConflictDto],
    description: 'events whose external_ref is stored with different content: not changed',
  })
  conflicts: ConflictDto[];
}

/** A stored event as `GET /events` lists it. */
export class EventDto {
  @ApiProperty({ example: 1042 })
  id: number;

  @ApiProperty({ example: 'evt-1042' })
  external_ref: string;

  @ApiProperty({
    example: 'stripe',
    pattern: SLUG_PATTERN.source,
    description: `event source slug. ${SOURCE_SLUGS_NOTE}`,
  })
  source: string;

  @ApiProperty({ example: 'entity-83' })
  entity_id: string;

  @ApiProperty({ enum: EVENT_STATUSES, example: 'success' })
  status: EventStatus;

  @ApiProperty({ example: 822 })
  processing_ms: number;

  @ApiProperty({ example: 38654 })
  amount_cents: number;

  @ApiProperty({
    example: exampleTime(-1, '09:00:00.000000Z'),
    description: 'UTC, to the microsecond',
  })
  occurred_at: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { region: 'eu-west' } })
  payload: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: exampleTime(-1, '09:00:02.114Z') })
  created_at: Date;
}
