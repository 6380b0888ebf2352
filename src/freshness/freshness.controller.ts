import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../common/actor.js';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope, ApiErrors, ApiNoParametersErrors } from '../common/openapi.js';
import { NoParameters } from '../common/validation.js';
import { RecomputeRunDto, toRunDto } from '../recompute/dto/recompute-run.dto.js';
import { REFRESH_EXAMPLES } from '../recompute/recompute.openapi.js';
import { FreshnessDto } from './dto/freshness.dto.js';
import { FreshnessService } from './freshness.service.js';
import { RefreshScheduler, SCHEDULER_ACTOR } from './refresh.scheduler.js';

@ApiTags('freshness')
@ManagementAuth()
@Controller()
export class FreshnessController {
  constructor(
    private readonly scheduler: RefreshScheduler,
    private readonly freshness: FreshnessService,
  ) {}

  @Post('refresh')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Refresh every dirty bucket now',
    description:
      'Creates recompute runs (requested by the `X-Actor` header, else `scheduler`) over the ' +
      'merged ranges of every dirty day in retention, whatever the refresh intervals, and ' +
      'answers with them; poll `GET /recomputations/{id}` for their outcome. An empty list: ' +
      'nothing is dirty.',
  })
  @ApiEnvelope(RecomputeRunDto, {
    status: 202,
    isArray: true,
    description: 'the runs created, pending (an empty list: nothing is dirty)',
    examples: REFRESH_EXAMPLES,
  })
  @ApiBody({
    required: false,
    description: 'none (an empty object is accepted; any field is a 400)',
    schema: { type: 'object', additionalProperties: false, properties: {} },
  })
  @ApiHeader({
    name: 'X-Actor',
    required: false,
    description: `requested_by of the runs (default ${SCHEDULER_ACTOR}), at most 200 characters`,
  })
  @ApiNoParametersErrors(true)
  @ApiErrors('service_unavailable')
  async refresh(
    @Body() _body: NoParameters,
    @Query() _query: NoParameters,
    @Actor(SCHEDULER_ACTOR) actor: string,
  ): Promise<RecomputeRunDto[]> {
    return (await this.scheduler.refreshNow(actor)).map(toRunDto);
  }

  @Get('freshness')
  @ApiOperation({
    summary: 'How fresh each report and window is',
    description:
      'Per report and window: dirty days, the oldest mark, the last and the next refresh, and ' +
      'retention.',
  })
  @ApiEnvelope(FreshnessDto, { isArray: true })
  @ApiNoParametersErrors()
  @ApiErrors('service_unavailable')
  status(@Query() _query: NoParameters): Promise<FreshnessDto[]> {
    return this.freshness.status();
  }
}
