import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error.js';
import { Enveloped } from '../common/envelope.js';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope } from '../common/openapi.js';
import { Secrets } from '../common/secrets.js';
import { NoParameters } from '../common/validation.js';
import { CreateRecomputationDto } from './dto/create-recomputation.dto.js';
import { ListRecomputationsQuery } from './dto/list-recomputations.query.js';
import { RecomputeRunDto, toRunDto } from './dto/recompute-run.dto.js';
import {
  ApiGetRunErrors,
  ApiListRunsErrors,
  ApiTriggerErrors,
  TRIGGER_EXAMPLES,
  TRIGGERED_EXAMPLES,
} from './recompute.openapi.js';
import { RecomputeService } from './recompute.service.js';
import { MAX_ACTOR_LENGTH, resolveActor } from './run-scope.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ApiTags('recomputations')
@ManagementAuth()
@Controller('recomputations')
export class RecomputeController {
  constructor(
    private readonly recompute: RecomputeService,
    private readonly secrets: Secrets,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Trigger a snapshot rebuild',
    description:
      'Creates a pending run, audits `recompute.triggered` and hands the run to the executor. ' +
      'The rebuild covers whole buckets: a week run spans Monday of date_from’s week to ' +
      'Sunday of date_to’s week. Poll `GET /recomputations/{id}` for the outcome.',
  })
  @ApiHeader({
    name: 'X-Actor',
    required: false,
    description: `audit actor when the body has no requested_by (at most ${MAX_ACTOR_LENGTH} characters)`,
  })
  @ApiBody({ type: CreateRecomputationDto, examples: TRIGGER_EXAMPLES })
  @ApiEnvelope(RecomputeRunDto, {
    status: 202,
    description: 'accepted: the run, still pending',
    examples: TRIGGERED_EXAMPLES,
  })
  @ApiTriggerErrors()
  async create(
    @Body() body: CreateRecomputationDto,
    @Query() _query: NoParameters,
    @Headers('x-actor') actorHeader?: string | string[],
  ): Promise<RecomputeRunDto> {
    const resolved = resolveActor(body.requested_by, actorHeader, this.secrets);
    if ('problem' in resolved) throw ApiError.problems([resolved.problem]);
    const run = await this.recompute.trigger(
      {
        reportSlug: body.report_slug,
        window: body.window,
        dateFrom: body.date_from,
        dateTo: body.date_to,
      },
      resolved.actor,
    );
    return toRunDto(run);
  }

  @Get()
  @ApiOperation({ summary: 'List recompute runs, newest first' })
  @ApiEnvelope(RecomputeRunDto, { isArray: true, paginated: true })
  @ApiListRunsErrors()
  async list(@Query() query: ListRecomputationsQuery): Promise<Enveloped<RecomputeRunDto[]>> {
    const { items, total } = await this.recompute.list(
      { status: query.status, reportSlug: query.report_slug },
      query.limit,
      query.offset,
    );
    return Enveloped.page(items.map(toRunDto), { limit: query.limit, offset: query.offset, total });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One recompute run' })
  @ApiParam({
    name: 'id',
    format: 'uuid',
    description:
      'The id of a run: copy one from `GET /recomputations` (the demo data has six completed ' +
      'runs) or from the answer of `POST /recomputations`. Ids differ in every database, so ' +
      'there is no example to send as is.',
  })
  @ApiEnvelope(RecomputeRunDto)
  @ApiGetRunErrors()
  async get(@Param('id') id: string, @Query() _query: NoParameters): Promise<RecomputeRunDto> {
    if (!UUID.test(id)) {
      throw ApiError.problems([{ parameter: 'id', message: 'id must be a UUID' }]);
    }
    return toRunDto(await this.recompute.get(id.toLowerCase()));
  }
}
