import type pg from 'pg';
import { Clock } from '../../src/common/clock.js';
import type { RecomputeRun } from '../../src/database/entities/index.js';
import { RefreshScheduler } from '../../src/freshness/refresh.scheduler.js';
import { startApp, type TestApp } from '../support/app.js';
import { TestClock } from '../support/clock.js';
import { useTestApp } from '../support/context.js';
import { dirtyMarks, INGEST_AUTH, newEvent } from '../support/events.js';
import {
  AUTH,
  expectedRows,
  installGate,
  setGate,
  storedRows,
  waitAtGate,
  waitForStatus,
} from '../support/recompute.js';
import { addDays, today } from '../support/reports.js';

const REPORTS = ['volume-by-period', 'status-counts', 'top-entities'] as const;
const WINDOWS = ['day', 'week'] as const;
const SCOPES = REPORTS.flatMap((report) => WINDOWS.map((window) => ({ report, window })));

/** A run as the API shows it. */
interface Run {
  id: string;
  report_slug: string;
  window: string;
  requested_by: string;
}

/** Every snapshot of every report and window equals SQL truth over the demo range. */
async function expectTruth(ctx: { db: { sql: pg.Pool } }, from: string, to: string) {
  const start = `${addDays(from, -7)}T00:00:00Z`;
  const end = `${addDays(to, 8)}T00:00:00Z`;
  for (const { report, window } of SCOPES) {
    const truth = await expectedRows(ctx.db.sql, report, window, start, end);
    expect({
      report,
      window,
      rows: await storedRows(ctx.db.sql, report, window, start, end),
    }).toEqual({
      report,
      window,
      rows: truth,
    });
  }
}

async function settled(sql: pg.Pool, runs: readonly { id: string }[]): Promise<void> {
  for (const run of runs) await waitForStatus(sql, run.id, ['completed']);
}

describe('the refresh scheduler keeps the snapshots fresh by itself', () => {
  const clock = new TestClock();
  const ctx = useTestApp('demo', { overrides: [{ provide: Clock, useValue: clock }] });
  const scheduler = () => ctx.app.app.get(RefreshScheduler);
  const day = (offset: number) => addDays(today(), offset);

  beforeEach(() => clock.ahead(0));

  it('refreshes late events from the API and plain SQL once due, and only the dirty buckets', async () => {
    // Late events through the API on two days, and plain SQL: an insert, an event moved to
    // another day, a deleted one.
    const late = [
      newEvent(1, { occurred_at: `${day(-20)}T10:00:00Z`, source: 'adyen' }),
      newEvent(2, { occurred_at: `${day(-20)}T23:59:59Z`, entity_id: 'entity-late' }),
      newEvent(3, { occurred_at: `${day(-5)}T00:00:00Z`, status: 'failed' }),
    ];
    await ctx.http.post('/api/v1/events').set(INGEST_AUTH).send({ events: late }).expect(200);
    await ctx.db.sql.query(
      `INSERT INTO analytics_events
         (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT id, 'sql-late', 'entity-sql', 'pending', 1, 1, $1 FROM event_sources WHERE slug = 'paypal'`,
      [`${day(-40)}T12:00:00Z`],
    );
    await ctx.db.sql.query(
      `UPDATE analytics_events SET occurred_at = $1 WHERE external_ref = 'evt-10'`,
      [`${day(-60)}T08:00:00Z`],
    );
    await ctx.db.sql.query(`DELETE FROM analytics_events WHERE external_ref = 'evt-11'`);
    const { rows } = await ctx.db.sql.query(
      `SELECT DISTINCT day::text FROM snapshot_dirty_days ORDER BY 1`,
    );
    const dirtyDays: string[] = rows.map((row) => row.day);
    expect(dirtyDays.length).toBeGreaterThanOrEqual(5);

    const before = await ctx.db.sql.query(
      `SELECT id, run_id, computed_at FROM metric_snapshots
        WHERE NOT ((bucket_start AT TIME ZONE 'UTC')::date = ANY($1::date[]))
          AND window_name = 'day' ORDER BY id`,
      [dirtyDays],
    );

    // Not yet due: the marks are fresh and every interval is an hour or more.
    expect(await scheduler().tick()).toEqual([]);

    clock.ahead(24 * 60);
    const runs = (await scheduler().tick()) ?? [];
    expect(runs.length).toBeGreaterThan(0);
    expect(new Set(runs.map((run) => run.requestedBy))).toEqual(new Set(['scheduler']));
    await settled(ctx.db.sql, runs);

    await expectTruth(ctx, day(-90), today());
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);

    // Only the dirty buckets were rebuilt: day runs cover exactly the dirty days.
    const dayBuckets = await ctx.db.sql.query(
      `SELECT coalesce(sum((summary->>'bucket_count')::int), 0)::int AS buckets FROM recompute_runs
        WHERE requested_by = 'scheduler' AND window_name = 'day' AND report_slug = 'status-counts'`,
    );
    expect(dayBuckets.rows[0].buckets).toBe(dirtyDays.length);
    const after = await ctx.db.sql.query(
      `SELECT id, run_id, computed_at FROM metric_snapshots
        WHERE NOT ((bucket_start AT TIME ZONE 'UTC')::date = ANY($1::date[]))
          AND window_name = 'day' ORDER BY id`,
      [dirtyDays],
    );
    expect(after.rows).toEqual(before.rows);

    // The runs are ordinary runs: listed, and audited as triggered by the scheduler.
    const listed = await ctx.http.get('/api/v1/recomputations?limit=100').set(AUTH).expect(200);
    const scheduled = listed.body.data.filter((run: Run) => run.requested_by === 'scheduler');
    expect(scheduled).toHaveLength(runs.length);
    const audit = await ctx.db.sql.query(
      `SELECT count(*)::int AS n FROM audit_entries
        WHERE action = 'recompute.triggered' AND actor = 'scheduler'`,
    );
    expect(audit.rows[0].n).toBe(runs.length);
  });

  it('schedules each report and window once its own interval is (almost) up', async () => {
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(100, { occurred_at: `${day(-3)}T09:00:00Z` })] })
      .expect(200);
    // 61 minutes later only the hourly windows are due (volume and status, day).
    clock.ahead(61);
    const scopesOf = (runs: RecomputeRun[] | undefined) =>
      (runs ?? []).map((run) => `${run.reportSlug}/${run.windowName}`).sort();
    const hourly = (await scheduler().tick()) ?? [];
    expect(scopesOf(hourly)).toEqual(['status-counts/day', 'volume-by-period/day']);
    // While those runs are pending or running, their report and window are not scheduled again.
    expect(await scheduler().tick()).toEqual([]);
    await settled(ctx.db.sql, hourly);
    // Two hours on, top-entities/day (120 min) is due too; the weeks (240, 360) are not.
    clock.ahead(125);
    const later = (await scheduler().tick()) ?? [];
    expect(scopesOf(later)).toEqual(['top-entities/day']);
    await settled(ctx.db.sql, later);
    expect((await dirtyMarks(ctx.db.sql)).map((m) => m.split(' ')[0])).toEqual([
      'status-counts/week',
      'top-entities/week',
      'volume-by-period/week',
    ]);
    // POST /refresh takes everything dirty now, whatever the intervals.
    clock.ahead(0);
    // A bad X-Actor is refused before anything is scheduled; a good one requests the runs.
    const long = 'a'.repeat(201);
    await ctx.http.post('/api/v1/refresh').set(AUTH).set('X-Actor', long).expect(400);
    const res = await ctx.http.post('/api/v1/refresh').set(AUTH).set('X-Actor', 'ops-alice');
    expect(res.status).toBe(202);
    expect(res.body.data.map((run: Run) => `${run.report_slug}/${run.window}`).sort()).toEqual([
      'status-counts/week',
      'top-entities/week',
      'volume-by-period/week',
    ]);
    expect(res.body.data[0]).toMatchObject({ requested_by: 'ops-alice', status: 'pending' });
    await settled(ctx.db.sql, res.body.data);
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);
    await expectTruth(ctx, day(-90), today());
    // Nothing dirty: nothing to do.
    expect((await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202)).body.data).toEqual([]);
  });

  it('shows freshness per report and window, and lagging health when the scheduler falls behind', async () => {
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(200, { occurred_at: `${day(-2)}T09:00:00Z` })] })
      .expect(200);
    const { rows } = await ctx.db.sql.query(
      `SELECT min(first_marked_at) AS at FROM snapshot_dirty_days
        WHERE report_slug = 'volume-by-period' AND window_name = 'day'`,
    );
    const markedAt: Date = rows[0].at;
    const res = await ctx.http.get('/api/v1/freshness').set(AUTH).expect(200);
    expect(res.body.data).toHaveLength(6);
    expect(res.body.data[0]).toEqual({
      report_slug: 'status-counts',
      window: 'day',
      dirty_days: 1,
      oldest_dirty_at: expect.any(String),
      last_refreshed_at: expect.any(String),
      next_refresh_at: expect.any(String),
      refresh_interval_minutes: 60,
      retention_days: 36500,
      retention_start: addDays(today(), -36500),
    });
    const volume = res.body.data.find(
      (s: { report_slug: string; window: string }) =>
        s.report_slug === 'volume-by-period' && s.window === 'day',
    );
    expect(volume.oldest_dirty_at).toBe(markedAt.toISOString());
    expect(volume.next_refresh_at).toBe(new Date(markedAt.getTime() + 60 * 60_000).toISOString());

    expect((await ctx.http.get('/api/v1/health').expect(200)).body.data.freshness).toBe('ok');
    // Over twice the hour plus a tick later, the hourly marks are late: lagging, still a 200.
    clock.ahead(121);
    expect((await ctx.http.get('/api/v1/health').expect(200)).body.data.freshness).toBe('lagging');
    await settled(ctx.db.sql, (await scheduler().tick()) ?? []);
    await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202);
    const left = await ctx.db.sql.query(
      `SELECT id FROM recompute_runs WHERE status IN ('pending', 'running')`,
    );
    await settled(ctx.db.sql, left.rows);
    expect((await ctx.http.get('/api/v1/health').expect(200)).body.data.freshness).toBe('ok');
    const clean = await ctx.http.get('/api/v1/freshness').set(AUTH).expect(200);
    expect(
      clean.body.data.every(
        (s: { dirty_days: number; next_refresh_at: null }) =>
          s.dirty_days === 0 && s.next_refresh_at === null,
      ),
    ).toBe(true);
  });

  it('leaves a report and window with a run in progress to that run, also when asked now', async () => {
    const ingest = (id: number, offset: number) =>
      ctx.http
        .post('/api/v1/events')
        .set(INGEST_AUTH)
        .send({ events: [newEvent(id, { occurred_at: `${day(offset)}T09:00:00Z` })] })
        .expect(200);
    await installGate(ctx.db.sql);
    await setGate(ctx.db.sql, true);
    let first: Run[];
    try {
      await ingest(300, -5);
      first = (await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202)).body.data;
      expect(first).toHaveLength(SCOPES.length);
      await waitAtGate(ctx.db.sql);
      // A day weeks away turns dirty while those runs are pending or running: it waits for them
      // (two instances asked at once would otherwise rebuild the same scopes twice).
      await ingest(301, -40);
      expect((await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202)).body.data).toEqual([]);
    } finally {
      await setGate(ctx.db.sql, false);
    }
    await settled(ctx.db.sql, first);
    const second = (await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202)).body.data;
    expect(second).toHaveLength(SCOPES.length);
    await settled(ctx.db.sql, second);
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);
    await expectTruth(ctx, day(-90), today());
  });

  it('needs the management key', async () => {
    await ctx.http.post('/api/v1/refresh').expect(401);
    await ctx.http.get('/api/v1/freshness').set(INGEST_AUTH).expect(401);
  });
});

describe('two instances scheduling at once', () => {
  const clock = new TestClock();
  const ctx = useTestApp('demo', { overrides: [{ provide: Clock, useValue: clock }] });
  let second: TestApp;
  beforeAll(async () => {
    second = await startApp(ctx.db.url, { overrides: [{ provide: Clock, useValue: clock }] });
  });
  afterAll(() => second?.close());

  it('create each run once', async () => {
    const events = [-30, -29, -10].map((offset, i) =>
      newEvent(300 + i, { occurred_at: `${addDays(today(), offset)}T12:00:00Z` }),
    );
    await ctx.http.post('/api/v1/events').set(INGEST_AUTH).send({ events }).expect(200);
    clock.ahead(24 * 60);
    const ticks = await Promise.all([
      ctx.app.app.get(RefreshScheduler).tick(),
      second.app.get(RefreshScheduler).tick(),
      ctx.app.app.get(RefreshScheduler).tick(),
      second.app.get(RefreshScheduler).tick(),
    ]);
    const runs = ticks.flatMap((created) => created ?? []);
    // Days 30 and 29 back merge; day 10 back is its own run (day windows); the weeks merge
    // where adjacent.
    const { rows } = await ctx.db.sql.query(
      `SELECT report_slug, window_name, date_from::text, date_to::text, count(*)::int AS n
         FROM recompute_runs WHERE requested_by = 'scheduler'
        GROUP BY 1, 2, 3, 4`,
    );
    expect(rows.every((row) => row.n === 1)).toBe(true);
    expect(runs).toHaveLength(rows.length);
    expect(rows.filter((row) => row.window_name === 'day')).toHaveLength(6);
    await settled(ctx.db.sql, runs);
    await expectTruth(ctx, addDays(today(), -90), today());
  });
});
