import { RecomputeExecutor } from '../../src/recompute/executor/recompute-executor.js';
import type { TestDatabase } from '../support/database.js';
import { useTestDatabase } from '../support/context.js';
import { startApp, type TestApp } from '../support/app.js';
import { parseMetrics, value } from '../support/metrics.js';
import {
  AUTH,
  expectedRows,
  HoldingExecutor,
  insertEvents,
  installGate,
  setGate,
  storedRows,
  waitForStatus,
} from '../support/recompute.js';

const scope = (date_from: string, date_to: string, report_slug = 'volume-by-period') => ({
  report_slug,
  window: 'day',
  date_from,
  date_to,
});

async function count(db: TestDatabase, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0].n;
}

describe('recompute triggers under concurrency', () => {
  let first: TestApp;
  let second: TestApp;
  // Declared before useTestDatabase: afterAll hooks run in order, and the apps close first.
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 2000, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
    await installGate(ctx.db.sql);
    const env = { RECOMPUTE_LEASE_SECONDS: '5', SHUTDOWN_GRACE_SECONDS: '5' };
    first = await startApp(ctx.db.url, { env });
    second = await startApp(ctx.db.url, { env });
  });

  afterEach(async () => {
    await setGate(ctx.db.sql, false);
  });

  async function storm(apps: TestApp[], payload: object, n = 10) {
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        apps[i % apps.length].http.post('/api/v1/recomputations').set(AUTH).send(payload),
      ),
    );
    return responses;
  }

  it('accepts exactly one of 10 identical triggers sent at once (409 for the rest)', async () => {
    await setGate(ctx.db.sql, true); // keep the accepted run active while the others arrive
    const payload = scope('2026-05-01', '2026-05-10');
    const responses = await storm([first], payload);
    const accepted = responses.filter((res) => res.status === 202);
    const conflicts = responses.filter((res) => res.status === 409);
    expect(accepted).toHaveLength(1);
    expect(conflicts).toHaveLength(9);
    const id = accepted[0].body.data.id;
    for (const res of conflicts) {
      expect(res.body.error).toEqual({
        code: 'conflict',
        message:
          'a recompute of volume-by-period/day 2026-05-01..2026-05-10 is already pending or running',
        details: [{ run_id: id, status: expect.stringMatching(/^(pending|running)$/) }],
        request_id: expect.any(String),
      });
    }
    expect(
      await count(
        ctx.db,
        `recompute_runs WHERE date_from = '2026-05-01' AND date_to = '2026-05-10'`,
      ),
    ).toBe(1);
    expect(
      await count(
        ctx.db,
        `audit_entries WHERE action = 'recompute.triggered' AND resource_id = $1`,
        [id],
      ),
    ).toBe(1);
    expect(await count(ctx.db, `audit_entries WHERE action = 'recompute.triggered'`)).toBe(1);

    await setGate(ctx.db.sql, false);
    expect((await waitForStatus(ctx.db.sql, id, ['completed', 'failed'])).status).toBe('completed');
    // Once the run is final, the scope can be triggered again.
    const again = await first.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send(payload)
      .expect(202);
    await waitForStatus(ctx.db.sql, again.body.data.id, ['completed']);
  });

  it('accepts exactly one of 10 identical triggers split across two instances', async () => {
    await setGate(ctx.db.sql, true);
    const payload = scope('2026-05-11', '2026-05-20', 'status-counts');
    const responses = await storm([first, second], payload);
    expect(responses.map((res) => res.status).sort()).toEqual([202, ...Array(9).fill(409)]);
    const id = responses.find((res) => res.status === 202)!.body.data.id;
    expect(
      await count(
        ctx.db,
        `recompute_runs WHERE report_slug = 'status-counts' AND date_from = '2026-05-11'`,
      ),
    ).toBe(1);
    await setGate(ctx.db.sql, false);
    await waitForStatus(ctx.db.sql, id, ['completed']);
    // Either instance reads the run the other one executed.
    const seen = await second.http.get(`/api/v1/recomputations/${id}`).set(AUTH).expect(200);
    expect(seen.body.data.status).toBe('completed');
  });

  it('runs overlapping ranges of one report one after the other, both correct', async () => {
    await setGate(ctx.db.sql, true);
    const a = await first.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send(scope('2026-05-01', '2026-05-20', 'top-entities'))
      .expect(202);
    const b = await second.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send(scope('2026-05-10', '2026-05-31', 'top-entities'))
      .expect(202);
    await setGate(ctx.db.sql, false);
    const runs = await Promise.all(
      [a, b].map((res) => waitForStatus(ctx.db.sql, res.body.data.id, ['completed', 'failed'])),
    );
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
    const start = '2026-05-01T00:00:00Z';
    const end = '2026-06-01T00:00:00Z';
    expect(await storedRows(ctx.db.sql, 'top-entities', 'day', start, end)).toEqual(
      await expectedRows(ctx.db.sql, 'top-entities', 'day', start, end),
    );
  });
});

describe('a full executor queue', () => {
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 500, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
    await installGate(ctx.db.sql);
  });

  async function expectNothingLeftFor(dateFrom: string) {
    expect(await count(ctx.db, `recompute_runs WHERE date_from = $1`, [dateFrom])).toBe(0);
    expect(
      await count(
        ctx.db,
        `audit_entries WHERE action = 'recompute.triggered' AND metadata->>'date_from' = $1`,
        [dateFrom],
      ),
    ).toBe(0);
  }

  it('answers 503 and leaves no pending run (RECOMPUTE_QUEUE_SIZE=0, one run executing)', async () => {
    const app = await startApp(ctx.db.url, {
      env: { RECOMPUTE_QUEUE_SIZE: '0', RECOMPUTE_CONCURRENCY: '1', SHUTDOWN_GRACE_SECONDS: '5' },
    });
    try {
      await setGate(ctx.db.sql, true);
      const busy = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(scope('2026-05-01', '2026-05-31'))
        .expect(202);
      await waitForStatus(ctx.db.sql, busy.body.data.id, ['running']);

      const res = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(scope('2026-05-02', '2026-05-03'))
        .expect(503);
      expect(res.body.error).toEqual({
        code: 'service_unavailable',
        message: 'the recompute queue is full; try again later',
        details: [],
        request_id: expect.any(String),
      });
      expect(res.headers['retry-after']).toBe('5');
      await expectNothingLeftFor('2026-05-02');
      expect(await count(ctx.db, `recompute_runs WHERE status = 'pending'`)).toBe(0);

      await setGate(ctx.db.sql, false);
      await waitForStatus(ctx.db.sql, busy.body.data.id, ['completed']);
      // With room again, the same trigger is accepted.
      const ok = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(scope('2026-05-02', '2026-05-03'))
        .expect(202);
      await waitForStatus(ctx.db.sql, ok.body.data.id, ['completed']);
    } finally {
      await setGate(ctx.db.sql, false);
      await app.close();
    }
  });

  it('gives the queue place of a refused trigger (409) back at once', async () => {
    const app = await startApp(ctx.db.url, {
      env: { RECOMPUTE_QUEUE_SIZE: '2', RECOMPUTE_CONCURRENCY: '1', SHUTDOWN_GRACE_SECONDS: '5' },
    });
    const trigger = (body: object) => app.http.post('/api/v1/recomputations').set(AUTH).send(body);
    try {
      await setGate(ctx.db.sql, true);
      const busy = await trigger(scope('2026-05-01', '2026-05-31')).expect(202);
      await waitForStatus(ctx.db.sql, busy.body.data.id, ['running']);
      const queued = await trigger(scope('2026-05-20', '2026-05-21')).expect(202);
      // One place is left; each duplicate takes it and gives it back with its 409.
      for (let i = 0; i < 5; i += 1) await trigger(scope('2026-05-20', '2026-05-21')).expect(409);
      const depth = parseMetrics((await app.http.get('/metrics').expect(200)).text);
      expect(value(depth, 'tally_recompute_queue_depth')).toBe(1);
      expect(value(depth, 'tally_recompute_running_runs')).toBe(1);
      // So another scope still finds it.
      const other = await trigger(scope('2026-05-22', '2026-05-23')).expect(202);

      await setGate(ctx.db.sql, false);
      for (const run of [busy, queued, other]) {
        await waitForStatus(ctx.db.sql, run.body.data.id, ['completed']);
      }
    } finally {
      await setGate(ctx.db.sql, false);
      await app.close();
    }
  });

  it('answers 503 when a bound executor refuses the task, and the run is not left pending', async () => {
    const executor = new HoldingExecutor(1);
    const app = await startApp(ctx.db.url, {
      overrides: [{ provide: RecomputeExecutor, useValue: executor }],
    });
    try {
      const held = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(scope('2026-05-10', '2026-05-11', 'status-counts'))
        .expect(202);
      expect(executor.tasks).toHaveLength(1);
      const res = await app.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(scope('2026-05-12', '2026-05-13', 'status-counts'))
        .expect(503);
      expect(res.body.error.code).toBe('service_unavailable');
      await expectNothingLeftFor('2026-05-12');
      expect((await waitForStatus(ctx.db.sql, held.body.data.id, ['pending'])).status).toBe(
        'pending',
      );

      await executor.runAll();
      expect((await waitForStatus(ctx.db.sql, held.body.data.id, ['completed'])).status).toBe(
        'completed',
      );
    } finally {
      await app.close();
    }
  });
});
