import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope, ApiErrors } from '../common/openapi.js';
import { RecomputeRunDto, toRunDto } from '../recompute/dto/recompute-run.dto.js';
import { FreshnessDto } from './dto/freshness.dto.js';
import { FreshnessService } from './freshness.service.js';
import { RefreshScheduler } from './refresh.scheduler.js';

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
      'Creates recompute runs (requested by `scheduler`) over the merged ranges of every dirty ' +
      'day in retention, whatever the refresh intervals, and answers with them; poll ' +
      '`GET /recomputations/{id}` for their outcome. An empty list: nothing is dirty.',
  })
  @ApiEnvelope(RecomputeRunDto, { status: 202, isArray: true, description: 'the runs created' })
  @ApiErrors('service_unavailable')
  async refresh(): Promise<RecomputeRunDto[]> {
    return (await this.scheduler.refreshNow()).map(toRunDto);
  }

  @Get('freshness')
  @ApiOperation({
    summary: 'How fresh each report and window is',
    description:
      'Per report and window: dirty days, the oldest mark, the last and the next refresh, and ' +
      'retention.',
  })
  @ApiEnvelope(FreshnessDto, { isArray: true })
  status(): Promise<FreshnessDto[]> {
    return this.freshness.status();
  }
}
