import pg from 'pg';
import { startApp } from '../support/app.js';
import { addDays, today } from '../support/reports.js';
import { useTestApp, useTestDatabase } from '../support/context.js';
import {
  AUTH,
  insertEvents,
  installGate,
  setGate,
  waitFor,
  waitForStatus,
} from '../support/recompute.js';

const READY = {
  status: 'ready',
  checks: { shutting_down: false, postgres: 'ok', migrations: 'ok' },
};

describe('GET /api/v1/health/live and /health/ready', () => {
  const ctx = useTestApp('migrated');

  it('live answers while the process does', async () => {
    const res = await ctx.http.get('/api/v1/health/live').expect(200);
    expect(res.body).toEqual({ data: { status: 'ok' }, meta: {} });
  });

  it('ready answers 200 with its checks', async () => {
    const res = await ctx.http.get('/api/v1/health/ready').expect(200);
    expect(res.body).toEqual({ data: READY, meta: {} });
  });

  it.each(['/api/v1/health', '/api/v1/health/live', '/api/v1/health/ready'])(
    'refuses unknown query parameters on %s, as every route does',
    async (path) => {
      const res = await ctx.http.get(`${path}?verbose=1`).expect(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_request',
        details: [{ parameter: 'verbose', message: expect.stringContaining('verbose') }],
      });
    },
  );

  it('ready is 503 while PostgreSQL is unreachable; live stays 200', async () => {
    await ctx.db.drop();
    const res = await ctx.http.get('/api/v1/health/ready').expect(503);
    expect(res.body.data).toEqual({
      status: 'not_ready',
      checks: { shutting_down: false, postgres: 'unavailable', migrations: 'ok' },
    });
    await ctx.http.get('/api/v1/health/live').expect(200);
  });
});

describe('readiness with migrations pending', () => {
  const ctx = useTestApp('blank', { env: { APP_AUTO_MIGRATE: 'false' } });

  it('is 503 naming the migrations', async () => {
    const res = await ctx.http.get('/api/v1/health/ready').expect(503);
    expect(res.body.data).toEqual({
      status: 'not_ready',
      checks: { shutting_down: false, postgres: 'ok', migrations: 'pending' },
    });
  });
});

describe('readiness during shutdown', () => {
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 300, '2026-07-01T00:00:00Z', '2026-07-10T00:00:00Z');
    await installGate(ctx.db.sql);
  });

  it('turns 503 first, while the service still serves and a rebuild finishes', async () => {
    const app = await startApp(ctx.db.url, { env: { SHUTDOWN_GRACE_SECONDS: '60' } });
    await setGate(ctx.db.sql, true);
    const run = await app.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'status-counts',
        window: 'day',
        date_from: '2026-07-01',
        date_to: '2026-07-09',
      })
      .expect(202);
    await waitForStatus(ctx.db.sql, run.body.data.id, ['running']);
    await app.http.get('/api/v1/health/ready').expect(200);

    const closing = app.close(); // waits for the held rebuild
    const notReady = await waitFor('readiness to turn 503', async () => {
      const res = await app.http.get('/api/v1/health/ready');
      return res.status === 503 ? res.body : undefined;
    });
    expect(notReady.data).toEqual({
      status: 'not_ready',
      checks: { shutting_down: true, postgres: 'skipped', migrations: 'skipped' },
    });
    // Everything else still answers: the process is alive and still serves requests.
    await app.http.get('/api/v1/health/live').expect(200);
    await app.http.get('/api/v1/reports').expect(200);

    await setGate(ctx.db.sql, false);
    await closing;
    expect((await waitForStatus(ctx.db.sql, run.body.data.id, ['completed'])).status).toBe(
      'completed',
    );
  });
});

describe('readiness while the request pool is full', () => {
  const ctx = useTestDatabase('migrated');

  it('stays 200: the probes have a connection of their own', async () => {
    const app = await startApp(ctx.db.url, {
      env: {
        DATABASE_POOL_SIZE: '2',
        REPORT_QUERY_TIMEOUT_MS: '60000',
        DATABASE_CONNECT_TIMEOUT_MS: '60000',
      },
    });
    const locker = new pg.Client({ connectionString: ctx.db.url });
    await locker.connect();
    try {
      await app.http.get('/api/v1/health/ready').expect(200);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE metric_snapshots IN ACCESS EXCLUSIVE MODE');
      // Cache misses that wait on the lock: both pooled connections held, more waiting.
      const reads = Promise.all(
        [2, 3, 4, 5].map((days) =>
          app.http
            .get(
              `/api/v1/reports/status-counts/run?date_from=${addDays(today(), -days)}` +
                `&date_to=${addDays(today(), -1)}`,
            )
            .then((res) => res.status),
        ),
      );
      reads.catch(() => undefined); // awaited below; a failed expectation must leave no rejection
      await waitFor('the pool to be full', async () => {
        // Not on the locker: inside its transaction, pg_stat_activity stays as first read.
        const { rows } = await ctx.db.sql.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n >= 2 ? true : undefined;
      });
      const ready = await app.http.get('/api/v1/health/ready').timeout(5000).expect(200);
      expect(ready.body.data).toEqual(READY);
      await app.http.get('/api/v1/health').timeout(5000).expect(200);
      await locker.query('ROLLBACK');
      expect(await reads).toEqual([200, 200, 200, 200]);
    } finally {
      await locker.end();
      await app.close();
    }
  });
});

describe('readiness after PostgreSQL refused connections for a while', () => {
  const ctx = useTestDatabase('migrated');

  it('turns 503, then 200 again by itself once PostgreSQL takes connections again', async () => {
    const app = await startApp(ctx.db.url);
    const adminUrl = new URL(ctx.db.url);
    adminUrl.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    try {
      await app.http.get('/api/v1/health/ready').expect(200);
      // Every session of the database ends, the probe's too; a new one is refused (FATAL 55000).
      await admin.query(`ALTER DATABASE "${ctx.db.name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [ctx.db.name],
      );
      await waitFor('readiness to turn 503', async () => {
        const res = await app.http.get('/api/v1/health/ready');
        return res.status === 503 ? true : undefined;
      });
      await admin.query(`ALTER DATABASE "${ctx.db.name}" ALLOW_CONNECTIONS true`);
      await waitFor('readiness to recover', async () => {
        const res = await app.http.get('/api/v1/health/ready');
        return res.status === 200 ? true : undefined;
      });
      await app.http.get('/api/v1/health').expect(200);
    } finally {
      await admin.query(`ALTER DATABASE "${ctx.db.name}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await app.close();
    }
  });
});
