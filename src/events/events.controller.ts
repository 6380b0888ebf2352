import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../common/actor.js';
import { IngestAuth, ManagementAuth } from '../common/api-key.guard.js';
import type { Enveloped } from '../common/envelope.js';
import { ApiEnvelope } from '../common/openapi.js';
import { NoParameters } from '../common/validation.js';
import { EventDto, IngestBatchDto, IngestResultDto } from './dto/event.dto.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import {
  ApiIngestErrors,
  ApiListEventsErrors,
  INGEST_EXAMPLES,
  INGESTED_EXAMPLES,
} from './events.openapi.js';
import type { EventRow } from './events.repository.js';
import { EventsService } from './events.service.js';
import { INGEST_ACTOR, IngestService, type IngestResult } from './ingest.service.js';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly ingestion: IngestService,
    private readonly events: EventsService,
  ) {}

  @Post()
  @HttpCode(200)
  @IngestAuth()
  @ApiOperation({
    summary: 'Ingest a batch of events',
    description:
      'All or nothing: one invalid event rejects the whole batch with a 400 whose details name ' +
      'each bad event by index and field (`events[3].occurred_at`). A valid batch is stored in ' +
      'one transaction. `external_ref` is the idempotency key: an event already stored with ' +
      'identical content counts as a duplicate, one stored with different content as a ' +
      'conflict (stored events never change). A ref repeated inside the batch counts once. ' +
      'Audited as `events.ingested`.',
  })
  @ApiHeader({
    name: 'X-Actor',
    required: false,
    description: 'audit actor (default ingest-api), at most 200 characters',
  })
  @ApiBody({ type: IngestBatchDto, examples: INGEST_EXAMPLES })
  @ApiEnvelope(IngestResultDto, {
    description: 'stored: the counts of the batch',
    examples: INGESTED_EXAMPLES,
  })
  @ApiIngestErrors()
  ingest(
    @Body() body: unknown,
    @Query() _query: NoParameters,
    @Actor(INGEST_ACTOR) actor: string,
  ): Promise<IngestResult> {
    return this.ingestion.ingest(body, actor);
  }

  @Get()
  @ManagementAuth()
  @ApiOperation({
    summary: 'List stored events, newest first',
    description:
      'Ordered by (`occurred_at`, `id`) descending. Keyset pagination: pass `meta.next_cursor` ' +
      'back as `cursor` for the next page; it is null on the last page.',
  })
  @ApiEnvelope(EventDto, {
    isArray: true,
    meta: {
      limit: { type: 'integer', example: 100 },
      next_cursor: {
        type: 'string',
        nullable: true,
        example: 'MjAyNi0xMS0yOFQwOTowMDowMC4wMDAwMDBafDEwNDI',
      },
    },
  })
  @ApiListEventsErrors()
  list(@Query() query: ListEventsQuery): Promise<Enveloped<EventRow[]>> {
    return this.events.list(query);
  }
}
