import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { bearerToken, digest } from '../common/api-keys.js';
import { ApiErrors } from '../common/openapi.js';
import { METRICS_TOKEN_SCHEME } from '../common/swagger.js';
import { operationsConfig, type OperationsConfig } from '../config/operations.config.js';
import { NO_RATE_LIMIT } from '../http/rate-limits.js';
import { Metrics } from './metrics.service.js';

/** The Prometheus route, outside `/api/v1` and without the envelope. */
export const METRICS_PATH = 'metrics';

@ApiTags('operations')
@Controller(METRICS_PATH)
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(
    @Inject(operationsConfig.KEY) private readonly config: OperationsConfig,
    private readonly metrics: Metrics,
  ) {
    this.token = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  }

  @Get()
  @RouteConfig(NO_RATE_LIMIT)
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format, no envelope)',
    description:
      'Process and Node.js defaults, HTTP request durations, report cache hits and misses, ' +
      'recompute runs, executor queue and database pools; see docs/operations.md. 404 when ' +
      '`METRICS_ENABLED=false`; when `METRICS_TOKEN` is set, it is required as a bearer token.',
  })
  @ApiBearerAuth(METRICS_TOKEN_SCHEME)
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'the metrics',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP tally_report_cache_requests_total Report runs by report and cache result\n' +
          '# TYPE tally_report_cache_requests_total counter\n' +
          'tally_report_cache_requests_total{report="status-counts",result="hit"} 42\n',
      },
    },
  })
  @ApiErrors('unauthorized', 'not_found')
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.metricsEnabled) throw ApiError.notFound('route not found: GET /metrics');
    if (this.token && !this.authorized(request)) {
      throw new ApiError(
        'unauthorized',
        'a valid metrics token is required (Authorization: Bearer)',
      );
    }
    const body = await this.metrics.scrape();
    await reply.header('content-type', this.metrics.contentType).send(body);
  }

  /** Constant time in the token's content and length (both sides hashed). */
  private authorized(request: FastifyRequest): boolean {
    const given = bearerToken(request.headers.authorization);
    return given !== undefined && timingSafeEqual(digest(given), this.token!);
  }
}
