import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiEnvelope, ApiErrorExamples, ApiErrors } from '../common/openapi.js';
import { BODY_MESSAGES } from '../common/request-body.js';
import { HealthDto } from './health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Service and dependency health; 503 when degraded' })
  @ApiEnvelope(HealthDto, { description: 'all dependencies are up' })
  @ApiEnvelope(HealthDto, { status: 503, description: 'degraded: a dependency is down' })
  @ApiErrorExamples('invalid_request', { bodyOnGet: { message: BODY_MESSAGES.bodyOnGet } })
  @ApiErrors()
  async get(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const health = await this.health.check();
    if (health.status !== 'ok') reply.status(503);
    return health;
  }
}
