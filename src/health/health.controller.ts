import { Controller, Get, Query, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiEnvelope, ApiErrors, ApiNoParametersErrors } from '../common/openapi.js';
import { BODY_MESSAGES } from '../common/request-body.js';
import { NoParameters } from '../common/validation.js';
import { NO_RATE_LIMIT } from '../http/rate-limits.js';
import { HealthDto, LivenessDto, ReadinessDto } from './health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Service and dependency health; 503 when degraded' })
  @ApiEnvelope(HealthDto, { description: 'all dependencies are up' })
  @ApiEnvelope(HealthDto, { status: 503, description: 'degraded: a dependency is down' })
  @ApiNoParametersErrors(false, { bodyOnGet: { message: BODY_MESSAGES.bodyOnGet } })
  @ApiErrors()
  async get(
    @Query() _query: NoParameters,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthDto> {
    const health = await this.health.check();
    if (health.status !== 'ok') reply.status(503);
    return health;
  }

  @Get('live')
  @RouteConfig(NO_RATE_LIMIT)
  @ApiOperation({
    summary: 'Liveness probe: the process answers (no dependency is checked)',
    description: 'Restart the instance when this fails. Not rate limited.',
  })
  @ApiEnvelope(LivenessDto, { description: 'the process answers' })
  @ApiNoParametersErrors()
  live(@Query() _query: NoParameters): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @RouteConfig(NO_RATE_LIMIT)
  @ApiOperation({
    summary: 'Readiness probe: PostgreSQL answers, migrations are applied, not shutting down',
    description:
      'Send traffic to the instance only while this answers 200. It turns 503 at the very ' +
      'start of shutdown, while running rebuilds still finish. Not rate limited.',
  })
  @ApiEnvelope(ReadinessDto, { description: 'ready for traffic' })
  @ApiEnvelope(ReadinessDto, { status: 503, description: 'not ready: see `checks`' })
  @ApiNoParametersErrors()
  async ready(
    @Query() _query: NoParameters,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReadinessDto> {
    const readiness = await this.health.ready();
    if (readiness.status !== 'ready') reply.status(503);
    return readiness;
  }
}
