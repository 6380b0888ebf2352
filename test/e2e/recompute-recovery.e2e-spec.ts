import { jest } from '@jest/globals';
import { HeldRuns } from '../../src/recompute/held-runs.js';
import { RunLifecycle } from '../../src/recompute/run-lifecycle.js';
import type { TestDatabase } from '../support/database.js';
import { startApp, type TestApp } from '../support/app.js';
import { useTestApp, useTestDatabase } from '../support/context.js';
import {
  AUTH,
  dumpSnapshots,
  expectedRows,
  insertEvents,
  installGate,
  runRow,
  setGate,
  storedRows,
  waitFor,
  waitForStatus,
} from '../support/recompute.js';

const ENV = { RECOMPUTE_LEASE_SECONDS: '3', SHUTDOWN_GRACE_SECONDS: '20' };
const START = '2026-07-01T00:00:00Z';
const END = '2026-08-01T00:00:00Z';

/** Inserts a run the way another (now dead or live) instance would have left it. */
async function insertRun(
  db: TestDatabase,
  fields: {
    report: string;
    from: string;
    to: string;
    status: string;
    attempts: number;
    lockedBy: string;
    lease: string;
  },
): Promise<string> {
  const { rows } = await db.sql.query(
    `INSERT INTO recompute_runs (report_slug, window_name, date_from, date_to, requested_by, status,
       attempts, locked_by, lease_expires_at, started_at)
     VALUES ($1, 'day', $2, $3, 'ops', $4, $5, $6, now() + $7::interval,
             CASE WHEN $4 = 'running' THEN now() - interval '1 minute' END)
     RETURNING id`,
    [
      fields.report,
      fields.from,
      fields.to,
      fields.status,
      fields.attempts,
      fields.lockedBy,
      fields.lease,
    ],
  );
  return rows[0].id;
}

describe('no lost or stuck runs', () => {
  const ctx = useTestApp('migrated', { env: ENV });

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 1500, START, END);
    await installGate(ctx.db.sql);
  });

  afterEach(async () => {
    await setGate(ctx.db.sql, false);
  });

  async function expectTruth(report: string) {
    expect(await storedRows(ctx.db.sql, report, 'day', START, END)).toEqual(
      await expectedRows(ctx.db.sql, report, 'day', START, END),
    );
  }

  it('a zombie attempt whose lease was taken over cannot commit', async () => {
    await setGate(ctx.db.sql, true);
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'volume-by-period',
        window: 'day',
        date_from: '2026-07-01',
        date_to: '2026-07-31',
      })
      .expect(202);
    const id = res.body.data.id;
    expect(await waitForStatus(ctx.db.sql, id, ['running'])).toMatchObject({ attempts: 1 });
    const before = await dumpSnapshots(ctx.db.sql);

    // Another instance takes the run over (as a claim after an expired lease does).
    await ctx.db.sql.query(
      `UPDATE recompute_runs SET attempts = attempts + 1, locked_by = 'another-instance',
              lease_expires_at = now() + interval '1 hour' WHERE id = $1`,
      [id],
    );
    await setGate(ctx.db.sql, false);
    const held = ctx.app.app.get(HeldRuns);
    await waitFor('the zombie attempt to end', async () => (held.has(id) ? undefined : true));

    expect(await runRow(ctx.db.sql, id)).toMatchObject({
      status: 'running',
      attempts: 2,
      locked_by: 'another-instance',
      summary: null,
    });
    expect(await dumpSnapshots(ctx.db.sql)).toBe(before);
    const audit = await ctx.db.sql.query(
      `SELECT action FROM audit_entries WHERE resource_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['recompute.triggered']);

    // The other instance dies in turn: its lease expires and this one retries the run.
    await ctx.db.sql.query(
      `UPDATE recompute_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const done = await waitForStatus(ctx.db.sql, id, ['completed', 'failed']);
    expect(done).toMatchObject({
      status: 'completed',
      attempts: 3,
      locked_by: ctx.app.app.get(RunLifecycle).instanceId,
    });
    await expectTruth('volume-by-period');
    const completed = await ctx.db.sql.query(
      `SELECT actor, metadata->>'attempt' AS attempt FROM audit_entries
        WHERE resource_id = $1 AND action = 'recompute.completed'`,
      [id],
    );
    expect(completed.rows).toEqual([{ actor: 'recompute-worker', attempt: '3' }]);
  });

  it('executes a pending run left by a stopped process, but not one a live instance holds', async () => {
    const orphan = await insertRun(ctx.db, {
      report: 'status-counts',
      from: '2026-07-01',
      to: '2026-07-31',
      status: 'pending',
      attempts: 0,
      lockedBy: 'dead-instance',
      lease: '-5 seconds',
    });
    const unleased = await insertRun(ctx.db, {
      report: 'status-counts',
      from: '2026-07-02',
      to: '2026-07-03',
      status: 'pending',
      attempts: 0,
      lockedBy: 'dead-instance',
      lease: '-1 hour',
    });
    await ctx.db.sql.query(
      `UPDATE recompute_runs SET locked_by = NULL, lease_expires_at = NULL WHERE id = $1`,
      [unleased],
    );
    const queuedElsewhere = await insertRun(ctx.db, {
      report: 'status-counts',
      from: '2026-07-05',
      to: '2026-07-06',
      status: 'pending',
      attempts: 0,
      lockedBy: 'live-instance',
      lease: '1 hour',
    });

    expect((await waitForStatus(ctx.db.sql, orphan, ['completed', 'failed'])).status).toBe(
      'completed',
    );
    expect((await waitForStatus(ctx.db.sql, unleased, ['completed', 'failed'])).status).toBe(
      'completed',
    );
    // The worker has looked at every run by now; the one a live instance holds was left alone.
    expect(await runRow(ctx.db.sql, queuedElsewhere)).toMatchObject({
      status: 'pending',
      locked_by: 'live-instance',
    });
    await expectTruth('status-counts');

    // Once that instance stops renewing its lease, the run is taken over too.
    await ctx.db.sql.query(
      `UPDATE recompute_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [queuedElsewhere],
    );
    expect((await waitForStatus(ctx.db.sql, queuedElsewhere, ['completed', 'failed'])).status).toBe(
      'completed',
    );
  });

  it('retries a running run whose executor died, and fails one out of attempts', async () => {
    const retried = await insertRun(ctx.db, {
      report: 'top-entities',
      from: '2026-07-01',
      to: '2026-07-31',
      status: 'running',
      attempts: 1,
      lockedBy: 'dead-instance',
      lease: '-1 second',
    });
    const exhausted = await insertRun(ctx.db, {
      report: 'top-entities',
      from: '2026-07-10',
      to: '2026-07-11',
      status: 'running',
      attempts: 3,
      lockedBy: 'dead-instance',
      lease: '-1 second',
    });
    expect(await waitForStatus(ctx.db.sql, retried, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      attempts: 2,
    });
    await expectTruth('top-entities');

    const failed = await waitForStatus(ctx.db.sql, exhausted, ['completed', 'failed']);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 3,
      error_message:
        'abandoned after 3 attempts: the instance running it stopped (no heartbeat before its lease expired)',
    });
    const audit = await ctx.db.sql.query(
      `SELECT actor, action, metadata->>'error' AS error FROM audit_entries WHERE resource_id = $1`,
      [exhausted],
    );
    expect(audit.rows).toEqual([
      { actor: 'recompute-worker', action: 'recompute.failed', error: failed.error_message },
    ]);
  });
});

describe('graceful shutdown', () => {
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    await insertEvents(ctx.db.sql, 1500, START, END);
    await installGate(ctx.db.sql);
  });

  afterEach(async () => {
    await setGate(ctx.db.sql, false);
  });

  const trigger = (app: TestApp, report: string, from: string, to: string) =>
    app.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({ report_slug: report, window: 'day', date_from: from, date_to: to });

  it('stops taking runs, lets the running one finish, and hands back the queued ones', async () => {
    const app = await startApp(ctx.db.url, { env: { ...ENV, RECOMPUTE_CONCURRENCY: '1' } });
    await setGate(ctx.db.sql, true);
    const running = (await trigger(app, 'volume-by-period', '2026-07-01', '2026-07-31').expect(202))
      .body.data.id;
    await waitForStatus(ctx.db.sql, running, ['running']);
    const queued = (await trigger(app, 'status-counts', '2026-07-01', '2026-07-31').expect(202))
      .body.data.id;

    // A trigger racing the very start of shutdown may still be accepted (and is handed back
    // below like any queued run), so the probe waits until shutdown has begun.
    const stopAccepting = jest.spyOn(app.app.get(RunLifecycle), 'stopAccepting');
    const closing = app.close();
    await waitFor('shutdown to begin', async () =>
      stopAccepting.mock.calls.length > 0 ? true : undefined,
    );
    // While it drains, triggers are refused and the running rebuild keeps its lease.
    const refused = await trigger(app, 'top-entities', '2026-07-01', '2026-07-02');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toEqual({
      code: 'service_unavailable',
      message: 'the service is shutting down; try again later',
      details: [],
      request_id: expect.any(String),
    });
    await setGate(ctx.db.sql, false);
    await closing;
    // The refused trigger left no run behind.
    const late = await ctx.db.sql.query(
      `SELECT count(*)::int AS n FROM recompute_runs WHERE report_slug = 'top-entities'`,
    );
    expect(late.rows[0].n).toBe(0);

    expect((await runRow(ctx.db.sql, running)).status).toBe('completed');
    // The queued run was never claimed; its lease is released for the next instance at once.
    const left = await ctx.db.sql.query(
      `SELECT status, locked_by, lease_expires_at, attempts FROM recompute_runs WHERE id = $1`,
      [queued],
    );
    expect(left.rows[0]).toEqual({
      status: 'pending',
      locked_by: null,
      lease_expires_at: null,
      attempts: 0,
    });
    const next = await startApp(ctx.db.url, { env: ENV });
    try {
      expect((await waitForStatus(ctx.db.sql, queued, ['completed', 'failed'])).status).toBe(
        'completed',
      );
    } finally {
      await next.close();
    }
  });

  it('after the grace period, hands the unfinished run to another instance, whose retry wins', async () => {
    const leaving = await startApp(ctx.db.url, { env: { ...ENV, SHUTDOWN_GRACE_SECONDS: '1' } });
    const staying = await startApp(ctx.db.url, { env: ENV });
    try {
      await setGate(ctx.db.sql, true);
      const id = (await trigger(leaving, 'top-entities', '2026-07-01', '2026-07-31').expect(202))
        .body.data.id;
      await waitFor('the leaving instance to run it', async () => {
        const row = await runRow(ctx.db.sql, id);
        return row.status === 'running' && row.locked_by !== null ? row : undefined;
      });
      const closing = leaving.close();
      // The other instance claims the run once the leaving one gives up its lease.
      await waitFor('the takeover', async () => {
        const row = await runRow(ctx.db.sql, id);
        return row.attempts === 2 ? row : undefined;
      });
      await setGate(ctx.db.sql, false);
      await closing;
      const done = await waitForStatus(ctx.db.sql, id, ['completed', 'failed']);
      expect(done).toMatchObject({ status: 'completed', attempts: 2 });
      expect(await storedRows(ctx.db.sql, 'top-entities', 'day', START, END)).toEqual(
        await expectedRows(ctx.db.sql, 'top-entities', 'day', START, END),
      );
      const outcomes = await ctx.db.sql.query(
        `SELECT action, metadata->>'attempt' AS attempt FROM audit_entries
          WHERE resource_id = $1 AND action <> 'recompute.triggered'`,
        [id],
      );
      expect(outcomes.rows).toEqual([{ action: 'recompute.completed', attempt: '2' }]);
    } finally {
      await setGate(ctx.db.sql, false);
      await staying.close();
    }
  });
});
