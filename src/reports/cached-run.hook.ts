import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_PREFIX, type TallyHttpAdapter } from '../common/app-setup.js';
import { JSON_CONTENT_TYPE } from '../http/edge.js';
import type { RawQuery } from './report-query.js';
import { ReportsService } from './reports.service.js';

/** The Fastify route pattern of `GET /reports/{slug}/run`, as Nest registers it. */
export const RUN_ROUTE = `/${API_PREFIX}/reports/:slug/run`;
/** Where every run URL starts. */
const REPORTS_PREFIX = `/${API_PREFIX}/reports/`;

/**
 * Answers report-run cache hits before Nest's routing, pipes and interceptors: a hit is the hot
 * path of the service and needs none of them. It calls the same `ReportsService` code as the
 * controller and sends the same `{data, meta}` envelope (as JSON serialized once per cached
 * page). Two ways in:
 *
 * - a Fastify `onRequest` hook, for any run URL: it parses the URL (kept for the next time)
 *   and answers a hit;
 * - an early answer ahead of Fastify (see EarlyAnswers), for a run URL the hook parsed
 *   recently, when the request needs nothing of Fastify: most hits under load.
 *
 * Everything that is not a hit (a miss, any invalid input, an unknown report) goes on to Nest
 * untouched, so validation and errors stay in one place.
 */
@Injectable()
export class CachedRunHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly reports: ReportsService,
  ) {}

  onModuleInit(): void {
    // An application context without HTTP (`npm run seed`) has no server to hook into.
    const adapter = this.adapterHost.httpAdapter as TallyHttpAdapter | undefined;
    const fastify = adapter?.getInstance?.() as FastifyInstance | undefined;
    if (typeof fastify?.addHook !== 'function') return;
    fastify.addHook('onRequest', (request, reply) => this.serveHit(request, reply));
    adapter?.early?.register(REPORTS_PREFIX, (url, started) => {
      const body = this.reports.knownRunBody(url, started);
      return body === undefined ? undefined : { route: RUN_ROUTE, body };
    });
  }

  /** Resolves to the sent reply on a hit (Fastify then stops), otherwise to undefined. */
  private async serveHit(request: FastifyRequest, reply: FastifyReply) {
    if (request.method !== 'GET' || request.routeOptions.url !== RUN_ROUTE) return undefined;
    const { slug } = request.params as { slug: string };
    const body = await this.reports.cachedRunBody(request.url, slug, request.query as RawQuery);
    return body === undefined ? undefined : reply.type(JSON_CONTENT_TYPE).send(body);
  }
}
