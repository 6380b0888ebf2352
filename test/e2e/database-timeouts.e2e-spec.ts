import pg from 'pg';
import { startApp, type TestApp } from '../support/app.js';
import { useTestDatabase } from '../support/context.js';
import {
  AUTH,
  insertEvents,
  installGate,
  setGate,
  waitFor,
  waitForStatus,
} from '../support/recompute.js';
import { startFreezableProxy, type FreezableProxy } from '../support/tcp-proxy.js';

/**
 * What the service promises when PostgreSQL does not answer: a 503 within seconds. The limits
 * below are 1 s; this bound only catches a request that hangs.
 */
const ANSWER_WITHIN_MS = 5000;

const ENV = {
  REPORT_QUERY_TIMEOUT_MS: '1000',
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  LOG_LEVEL: 'warn',
};

const unavailable = (message: string) => ({
  error: {
    code: 'service_unavailable',
    message,
    details: [],
    request_id: expect.any(String),
  },
});

describe('PostgreSQL that stops answering (the service talks to it through a proxy)', () => {
  const ctx = useTestDatabase('migrated');
  let proxy: FreezableProxy;
  let app: TestApp;

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 300, '2026-06-01T00:00:00Z', '2026-06-10T00:00:00Z');
    await installGate(ctx.db.sql);
    proxy = await startFreezableProxy(ctx.db.url);
    app = await startApp(proxy.url, { env: ENV });
  });

  afterAll(async () => {
    proxy?.thaw();
    await app?.close();
    await proxy?.close();
  });

  it('cancels a report query that runs past REPORT_QUERY_TIMEOUT_MS: 503', async () => {
    const locker = new pg.Client({ connectionString: ctx.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE metric_snapshots IN ACCESS EXCLUSIVE MODE');
      const res = await app.http
        .get('/api/v1/reports/status-counts/run?date_from=2026-06-01&date_to=2026-06-09')
        .timeout(ANSWER_WITHIN_MS)
        .expect(503);
      expect(res.body).toEqual(unavailable('the database did not answer in time; try again later'));
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    await app.http
      .get('/api/v1/reports/status-counts/run?date_from=2026-06-01&date_to=2026-06-09')
      .expect(200);
  });

  it('lets a rebuild run longer than that: rebuilds use a pool without the limit', async () => {
    await setGate(ctx.db.sql, true);
    try {
      const run = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send({
          report_slug: 'volume-by-period',
          window: 'day',
          date_from: '2026-06-01',
          date_to: '2026-06-09',
        })
        .expect(202);
      // The rebuild's statement waits at the gate; let it pass the API's limit twice over.
      await waitFor('the rebuild statement to run for 2 s', async () => {
        const { rows } = await ctx.db.sql.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE application_name = 'tally-work' AND state = 'active'
              AND now() - query_start > interval '2 seconds'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      await setGate(ctx.db.sql, false);
      const done = await waitForStatus(ctx.db.sql, run.body.data.id, ['completed', 'failed']);
      expect(done).toMatchObject({ status: 'completed', error_message: null });
    } finally {
      await setGate(ctx.db.sql, false);
    }
  });

  it('answers 503 within seconds while PostgreSQL is frozen, and recovers by itself', async () => {
    await app.http.get('/api/v1/reports').expect(200);
    expect((await app.http.get('/metrics').expect(200)).text).toContain('tally_dirty_days{');
    proxy.freeze();
    const requests = [
      app.http.get('/api/v1/reports'),
      app.http.get('/api/v1/reports/top-entities/run?date_from=2026-06-02&date_to=2026-06-03'),
      app.http.get('/api/v1/recomputations').set(AUTH),
      app.http.post('/api/v1/recomputations').set(AUTH).send({
        report_slug: 'status-counts',
        window: 'week',
        date_from: '2026-06-01',
        date_to: '2026-06-09',
      }),
    ];
    const answers = await Promise.all(requests.map((req) => req.timeout(ANSWER_WITHIN_MS)));
    for (const res of answers) {
      expect({ status: res.status, code: res.body.error?.code }).toEqual({
        status: 503,
        code: 'service_unavailable',
      });
    }
    const ready = await app.http.get('/api/v1/health/ready').timeout(ANSWER_WITHIN_MS).expect(503);
    expect(ready.body.data.checks).toMatchObject({ postgres: 'unavailable' });
    await app.http.get('/api/v1/health/live').timeout(ANSWER_WITHIN_MS).expect(200);
    // The scrape answers, with the 503s, and without the gauges the database did not give.
    const scrape = await app.http.get('/metrics').timeout(ANSWER_WITHIN_MS).expect(200);
    expect(scrape.text).toContain('status_code="503"');
    expect(scrape.text).not.toContain('tally_dirty_days{');

    proxy.thaw();
    await waitFor('the catalog to answer again', async () => {
      const res = await app.http.get('/api/v1/reports');
      return res.status === 200 ? true : undefined;
    });
    await app.http.get('/api/v1/health/ready').expect(200);
    await app.http.get('/api/v1/recomputations').set(AUTH).expect(200);
    // The refused trigger left nothing behind.
    const { rows } = await ctx.db.sql.query(
      `SELECT count(*)::int AS n FROM recompute_runs WHERE report_slug = 'status-counts'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('a database closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS false)', () => {
  const ctx = useTestDatabase('migrated');
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    app = await startApp(ctx.db.url, {
      env: { ...ENV, LOG_LEVEL: 'warn' },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
  });
  afterAll(() => app?.close());

  it('answers 503, not 500, and recovers by itself once it is open again', async () => {
    await app.http.get('/api/v1/reports').expect(200);
    // From another database: PostgreSQL does not close the current one.
    const adminUrl = new URL(ctx.db.url);
    adminUrl.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${ctx.db.name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [ctx.db.name],
      );
      // Once no connection is left, every request needs a new one, which the database refuses
      // (55000), rather than meeting a connection as it is terminated (another 503).
      await waitFor('the connections to end', async () => {
        const { rows } = await admin.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [ctx.db.name],
        );
        return rows[0].n === 0 ? true : undefined;
      });
      for (let i = 0; i < 2; i += 1) {
        const res = await app.http.get('/api/v1/reports').timeout(ANSWER_WITHIN_MS).expect(503);
        expect(res.body).toEqual(unavailable('the database is unavailable; try again later'));
        expect(res.headers['retry-after']).toBe('5');
        // The log says why, under the request's id.
        const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
        const warning = entries.find(
          (entry) => entry.request_id === res.headers['x-request-id'] && entry.msg !== 'request',
        );
        expect(warning).toMatchObject({
          level: 40,
          msg: 'answered 503: the database is unavailable; try again later',
          err: { code: '55000', routine: 'CheckMyDatabase' },
        });
      }
    } finally {
      await admin.query(`ALTER DATABASE "${ctx.db.name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor('the catalog to answer again', async () => {
      const res = await app.http.get('/api/v1/reports');
      return res.status === 200 ? true : undefined;
    });
  });
});
