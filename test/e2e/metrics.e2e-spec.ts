import { REPORT_SLUGS } from '../../src/snapshots/report-catalog.js';
import { useTestApp } from '../support/context.js';
import { parseMetrics, value, type Samples } from '../support/metrics.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { AUTH, waitForStatus } from '../support/recompute.js';

const RUN_ROUTE = '/api/v1/reports/:slug/run';
const RUN = '/api/v1/reports/status-counts/run?window=day&date_from=2026-03-01&date_to=2026-03-07';

describe('GET /metrics', () => {
  const ctx = useTestApp('migrated');

  async function scrape(): Promise<Samples> {
    const res = await ctx.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseMetrics(res.text);
  }

  const http = (route: string, status: number, method = 'GET') => ({
    method,
    route,
    status_code: String(status),
  });

  it('serves the Prometheus text format outside /api/v1, without the envelope', async () => {
    const res = await ctx.http.get('/metrics').expect(200);
    expect(res.text).toMatch(/^# HELP /);
    expect(res.text).not.toContain('"data"');
    await ctx.http.get('/api/v1/metrics').expect(404);
  });

  it('has the process and Node.js defaults and the families of the service', async () => {
    const text = (await ctx.http.get('/metrics').expect(200)).text;
    for (const family of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'tally_http_request_duration_seconds',
      'tally_report_cache_requests_total',
      'tally_recompute_runs_total',
      'tally_recompute_run_duration_seconds',
      'tally_recompute_queue_depth',
      'tally_recompute_running_runs',
      'tally_db_pool_connections',
      'tally_db_pool_idle_connections',
      'tally_db_pool_waiting_clients',
      'tally_events_ingested_total',
      'tally_dirty_days',
      'tally_oldest_dirty_age_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    // Counters with known label values exist from the start (at 0 until their first event), so
    // that increase() sees the first one.
    for (const result of ['accepted', 'duplicate', 'conflict', 'rejected']) {
      expect(text).toContain(`tally_events_ingested_total{result="${result}"} `);
    }
    for (const report of REPORT_SLUGS) {
      for (const result of ['hit', 'miss']) {
        expect(text).toContain(
          `tally_report_cache_requests_total{report="${report}",result="${result}"} `,
        );
      }
    }
  });

  it('counts requests by route template and status, cache hits answered ahead of Nest included', async () => {
    const before = await scrape();
    await ctx.http.get(RUN).expect(200); // a miss, read from the snapshots
    const hit = await ctx.http.get(RUN).expect(200); // a hit, answered ahead of Fastify
    expect(hit.body.meta.cache_hit).toBe(true);
    await ctx.http.get('/api/v1/reports/no-such-report/run').expect(404);
    await ctx.http.get('/api/v1/nope').expect(404);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    const count = 'tally_http_request_duration_seconds_count';
    expect(delta(count, http(RUN_ROUTE, 200))).toBe(2);
    expect(delta(count, http(RUN_ROUTE, 404))).toBe(1);
    expect(delta(count, http('unmatched', 404))).toBe(1);
    expect(delta(count, http('/metrics', 200))).toBe(1); // the first scrape
    const cache = 'tally_report_cache_requests_total';
    expect(delta(cache, { report: 'status-counts', result: 'miss' })).toBe(1);
    expect(delta(cache, { report: 'status-counts', result: 'hit' })).toBe(1);
    // Every observation falls in the +Inf bucket and adds to the sum.
    expect(
      delta('tally_http_request_duration_seconds_bucket', { ...http(RUN_ROUTE, 200), le: '+Inf' }),
    ).toBe(2);
    expect(delta('tally_http_request_duration_seconds_sum', http(RUN_ROUTE, 200))).toBeGreaterThan(
      0,
    );
  });

  it('counts recompute runs by status and requester and times them', async () => {
    const before = await scrape();
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'top-entities',
        window: 'week',
        date_from: '2026-02-02',
        date_to: '2026-02-15',
        requested_by: 'metrics-test',
      })
      .expect(202);
    await waitForStatus(ctx.db.sql, res.body.data.id, ['completed']);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    for (const status of ['pending', 'running', 'completed']) {
      expect(delta('tally_recompute_runs_total', { status, requested_by: 'metrics-test' })).toBe(1);
    }
    expect(
      delta('tally_recompute_runs_total', { status: 'failed', requested_by: 'metrics-test' }),
    ).toBe(0);
    expect(
      delta('tally_recompute_run_duration_seconds_count', {
        report: 'top-entities',
        window: 'week',
        status: 'completed',
      }),
    ).toBe(1);
    expect(value(after, 'tally_recompute_queue_depth')).toBe(0);
    expect(value(after, 'tally_recompute_running_runs')).toBe(0);
  });

  it('reports both database pools', async () => {
    const samples = await scrape();
    for (const pool of ['api', 'work']) {
      const total = value(samples, 'tally_db_pool_connections', { pool });
      expect(total).toBeGreaterThanOrEqual(1); // the pools have served queries by now
      expect(value(samples, 'tally_db_pool_idle_connections', { pool })).toBeLessThanOrEqual(total);
      expect(value(samples, 'tally_db_pool_waiting_clients', { pool })).toBe(0);
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const ctx = useTestApp('migrated', { env: { METRICS_TOKEN: 'scrape-token' } });

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer scrape-tokeN' }],
    ['the token in another header', { 'X-Management-Key': 'scrape-token' }],
  ])('answers 401 in the envelope to %s', async (_name, headers) => {
    const res = await ctx.http.get('/metrics').set(headers).expect(401);
    expect(res.body).toEqual({
      error: {
        code: 'unauthorized',
        message: 'a valid metrics token is required (Authorization: Bearer)',
        details: [],
        request_id: res.headers['x-request-id'],
      },
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tally"');
  });

  it('serves the metrics to the bearer of the token', async () => {
    const res = await ctx.http
      .get('/metrics')
      .set('Authorization', 'Bearer scrape-token')
      .expect(200);
    expect(res.text).toContain('# TYPE tally_http_request_duration_seconds histogram');
  });
});

describe('GET /metrics with METRICS_ENABLED=false', () => {
  const ctx = useTestApp('migrated', { env: { METRICS_ENABLED: 'false' } });

  it('is a 404', async () => {
    const res = await ctx.http.get('/metrics').expect(404);
    expect(res.body.error).toMatchObject({
      code: 'not_found',
      message: 'route not found: GET /metrics',
    });
  });

  it('is a 404 for other methods too, not a 405 offering GET', async () => {
    const res = await ctx.http.post('/metrics').expect(404);
    expect(res.body.error).toMatchObject({
      code: 'not_found',
      message: 'route not found: POST /metrics',
    });
    expect(res.headers.allow).toBeUndefined();
  });
});

describe('GET /metrics: ingestion and freshness', () => {
  const ctx = useTestApp('migrated');

  async function scrape(): Promise<Samples> {
    return parseMetrics((await ctx.http.get('/metrics').expect(200)).text);
  }

  it('counts ingested events by result, and shows the dirty days of every report and window', async () => {
    const before = await scrape();
    const event = (n: number, overrides: Record<string, unknown> = {}) =>
      newEvent(n, {
        external_ref: `metrics-${n}`,
        occurred_at: '2026-03-04T10:00:00Z',
        ...overrides,
      });
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [event(1), event(2), event(3)] })
      .expect(200);
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [event(1), event(2, { amount_cents: 1 }), event(4)] })
      .expect(200);
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [event(5), event(6, { status: 'lost' })] })
      .expect(400);
    // Refused as a whole batch (an unknown field beside the events): its events count too.
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [event(7), event(8), event(9)], extra: 1 })
      .expect(400);
    const after = await scrape();
    const delta = (result: string) =>
      value(after, 'tally_events_ingested_total', { result }) -
      value(before, 'tally_events_ingested_total', { result });
    expect(['accepted', 'duplicate', 'conflict', 'rejected'].map(delta)).toEqual([4, 1, 1, 5]);

    const { rows } = await ctx.db.sql.query(
      `SELECT report_slug, window_name, count(*)::int AS days,
              extract(epoch FROM now() - min(first_marked_at)) AS age
         FROM snapshot_dirty_days GROUP BY 1, 2`,
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const labels = { report: row.report_slug, window: row.window_name };
      expect(value(after, 'tally_dirty_days', labels)).toBe(row.days);
      // Read a moment apart: the scrape's age is at most the later SQL one.
      const age = value(after, 'tally_oldest_dirty_age_seconds', labels);
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThanOrEqual(Number(row.age));
    }
  });
});
