import 'reflect-metadata';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { WindowName } from '../src/database/entities/index.js';
import { SOURCE_SYSTEM } from '../src/reports/dto/report-run.dto.js';
import type { RunQuery } from '../src/reports/report-query.js';
import { ReportsRepository } from '../src/reports/reports.repository.js';
import { isReportSlug, REPORT_CATALOG, type ReportSlug } from '../src/snapshots/report-catalog.js';

/**
 * The framework-overhead floor for report runs: bare `node:http` + `pg`, no Nest,
 * no Fastify, no validation beyond what the bench's own URLs need, no cache. It runs the
 * service's report SQL itself (ReportsRepository.runReport over a plain pg pool) and answers
 * with the same JSON envelope.
 *
 * BASELINE_MODE=query (default): every request queries PostgreSQL.
 * BASELINE_MODE=precomputed: each distinct URL is answered from a body built on its first
 * request; the HTTP limit of this machine (what a perfect cache could reach).
 *
 * Environment: DATABASE_URL, PORT, DATABASE_POOL_SIZE (default 10), BASELINE_MODE.
 */

// The same result types as the service (src/database/data-source-options.ts).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  application_name: 'tally-bench-baseline',
});
const precomputed = process.env.BASELINE_MODE === 'precomputed';
const bodies = new Map<string, Buffer>();

// The repository only needs `query(sql, params) → rows` from its data source.
const reports = new ReportsRepository({
  query: async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows,
} as unknown as DataSource);

class BadRequest extends Error {}

function int(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  return raw === null ? fallback : Number(raw);
}

/** Just enough of the service's parameter handling for the bench's URLs (all explicit). */
function runQuery(slug: ReportSlug, params: URLSearchParams): RunQuery {
  const shape = REPORT_CATALOG[slug];
  const breakdown = params.get('breakdown');
  const layout = breakdown === null ? shape.defaultLayout : shape.breakdowns[breakdown];
  const dateFrom = params.get('date_from');
  const dateTo = params.get('date_to');
  if (!layout || !dateFrom || !dateTo) throw new BadRequest('breakdown, date_from, date_to');
  const filterName = shape.filters.find((name) => params.has(name));
  return {
    window: (params.get('window') ?? 'day') as WindowName,
    dateFrom,
    dateTo,
    layout,
    filter: filterName ? { parameter: filterName, value: params.get(filterName)! } : undefined,
    limit: int(params, 'limit', 50),
    offset: int(params, 'offset', 0),
  };
}

async function runBody(slug: string, params: URLSearchParams, cacheHit: boolean): Promise<Buffer> {
  if (!isReportSlug(slug)) throw new BadRequest(`unknown report ${slug}`);
  const query = runQuery(slug, params);
  const started = performance.now();
  const page = await reports.runReport(slug, query);
  return Buffer.from(
    JSON.stringify({
      data: {
        report_slug: slug,
        window: query.window,
        date_from: query.dateFrom,
        date_to: query.dateTo,
        generated_at: new Date().toISOString(),
        rows: page.rows,
        row_count: page.rows.length,
        execution_ms: Math.round((performance.now() - started) * 100) / 100,
        cache_hit: cacheHit,
        source_system: SOURCE_SYSTEM,
      },
      meta: {
        cache_hit: cacheHit,
        pagination: { limit: query.limit, offset: query.offset, total: page.total },
        freshness: page.freshness,
      },
    }),
  );
}

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}

const RUN_ROUTE = /^\/api\/v1\/reports\/([a-z0-9-]+)\/run$/;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://baseline');
  const match = RUN_ROUTE.exec(url.pathname);
  if (req.method === 'GET' && match) {
    if (precomputed) {
      let body = bodies.get(req.url!);
      if (!body) {
        body = await runBody(match[1], url.searchParams, true);
        bodies.set(req.url!, body);
      }
      send(res, 200, body);
    } else {
      send(res, 200, await runBody(match[1], url.searchParams, false));
    }
    return;
  }
  if (req.method === 'GET' && url.pathname === '/api/v1/health') {
    send(res, 200, Buffer.from('{"data":{"status":"ok"},"meta":{}}'));
    return;
  }
  send(res, 404, Buffer.from('{"error":{"code":"not_found","message":"not found","details":[]}}'));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    const status = error instanceof BadRequest ? 400 : 500;
    const code = status === 400 ? 'invalid_request' : 'internal_error';
    const message = error instanceof Error ? error.message : String(error);
    send(res, status, Buffer.from(JSON.stringify({ error: { code, message, details: [] } })));
  });
});
// Like the service: connections are kept alive between requests.
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`baseline (${precomputed ? 'precomputed' : 'query'}) on http://127.0.0.1:${port}`);
});

function shutdown(): void {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
