import { Clock } from '../../src/common/clock.js';
import { RefreshScheduler } from '../../src/freshness/refresh.scheduler.js';
import { TestClock } from '../support/clock.js';
import { useTestApp } from '../support/context.js';
import { dirtyMarks, eventCount } from '../support/events.js';
import { bucketStartOf } from '../../src/snapshots/bucket-range.js';
import { AUTH, dumpSnapshots, SCOPE_NAMES, waitForStatus } from '../support/recompute.js';
import { addDays, today } from '../support/reports.js';

/** Stores one `stripe` event by plain SQL (change tracking marks its day). */
async function insertEvent(sql: import('pg').Pool, ref: string, at: string): Promise<void> {
  await sql.query(
    `INSERT INTO analytics_events
       (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
     SELECT id, $1, 'e', 'success', 1, 1, $2::timestamptz FROM event_sources WHERE slug = 'stripe'`,
    [ref, at],
  );
}

async function audits(sql: import('pg').Pool, action: string) {
  const { rows } = await sql.query(
    `SELECT actor, metadata FROM audit_entries WHERE action = $1 ORDER BY id`,
    [action],
  );
  return rows;
}

describe('retention of snapshots', () => {
  const ctx = useTestApp('demo');
  const sql = (text: string, params: unknown[] = []) => ctx.db.sql.query(text, params);

  /** Snapshot rows of a report and window, split at a day. */
  async function rows(report: string, window: string, day: string) {
    const {
      rows: [counts],
    } = await sql(
      `SELECT count(*) FILTER (WHERE bucket_start < ($3::date)::timestamp AT TIME ZONE 'UTC')::int AS before,
              count(*) FILTER (WHERE bucket_start >= ($3::date)::timestamp AT TIME ZONE 'UTC')::int AS kept
         FROM metric_snapshots WHERE report_slug = $1 AND window_name = $2`,
      [report, window, day],
    );
    return counts as { before: number; kept: number };
  }

  it('deletes exactly the buckets that start before the horizon, audited', async () => {
    await sql(`UPDATE aggregate_windows SET retention_days = 30
                WHERE report_slug = 'volume-by-period' AND window_name = 'day'`);
    await sql(`UPDATE aggregate_windows SET retention_days = 35
                WHERE report_slug = 'top-entities' AND window_name = 'week'`);
    const dayStart = addDays(today(), -30);
    const weekStart = addDays(today(), -35);
    const volume = await rows('volume-by-period', 'day', dayStart);
    const top = await rows('top-entities', 'week', weekStart);
    expect(volume.before).toBeGreaterThan(0);
    expect(top.before).toBeGreaterThan(0);
    const others = await sql(
      `SELECT count(*)::int AS n FROM metric_snapshots
        WHERE (report_slug, window_name) NOT IN (('volume-by-period', 'day'), ('top-entities', 'week'))`,
    );

    await ctx.app.app.get(RefreshScheduler).tick();

    expect(await rows('volume-by-period', 'day', dayStart)).toEqual({
      before: 0,
      kept: volume.kept,
    });
    expect(await rows('top-entities', 'week', weekStart)).toEqual({ before: 0, kept: top.kept });
    const after = await sql(
      `SELECT count(*)::int AS n FROM metric_snapshots
        WHERE (report_slug, window_name) NOT IN (('volume-by-period', 'day'), ('top-entities', 'week'))`,
    );
    expect(after.rows[0].n).toBe(others.rows[0].n);
    expect(await audits(ctx.db.sql, 'snapshots.pruned')).toEqual([
      {
        actor: 'scheduler',
        metadata: {
          report_slug: 'top-entities',
          window: 'week',
          before: weekStart,
          rows: top.before,
        },
      },
      {
        actor: 'scheduler',
        metadata: {
          report_slug: 'volume-by-period',
          window: 'day',
          before: dayStart,
          rows: volume.before,
        },
      },
    ]);
    // A second round has nothing left to delete, and writes no entry.
    await ctx.app.app.get(RefreshScheduler).tick();
    expect(await audits(ctx.db.sql, 'snapshots.pruned')).toHaveLength(2);
  });

  it('refuses a rebuild that starts before the first day kept, naming date_from and that day', async () => {
    const first = addDays(today(), -30);
    const body = (date_from: string) => ({
      report_slug: 'volume-by-period',
      window: 'day',
      date_from,
      date_to: today(),
    });
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send(body(addDays(first, -1)))
      .expect(400);
    const message =
      `date_from must not be before ${first}: volume-by-period/day keeps 30 days of snapshots ` +
      `(the first day kept is ${first})`;
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message,
      details: [{ parameter: 'date_from', message }],
      request_id: expect.any(String),
    });
    await ctx.http.post('/api/v1/recomputations').set(AUTH).send(body(first)).expect(202);
  });

  it('applies a retention changed in the database to the very next trigger, both ways', async () => {
    const {
      rows: [{ retention_days: original }],
    } = await sql(`SELECT retention_days FROM aggregate_windows
                    WHERE report_slug = 'status-counts' AND window_name = 'day'`);
    const setRetention = (days: number) =>
      sql(
        `UPDATE aggregate_windows SET retention_days = $1
          WHERE report_slug = 'status-counts' AND window_name = 'day'`,
        [days],
      );
    const trigger = (day: string) =>
      ctx.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send({ report_slug: 'status-counts', window: 'day', date_from: day, date_to: day });
    const runsOf = async (day: string) =>
      (
        await sql(
          `SELECT count(*)::int AS n FROM recompute_runs
            WHERE report_slug = 'status-counts' AND date_from = $1::date`,
          [day],
        )
      ).rows[0].n;
    try {
      await trigger(addDays(today(), -20)).expect(202); // the service has read the window now

      await setRetention(10);
      const first = addDays(today(), -10);
      const refused = await trigger(addDays(today(), -15)).expect(400);
      expect(refused.body.error.details).toEqual([
        {
          parameter: 'date_from',
          message:
            `date_from must not be before ${first}: status-counts/day keeps 10 days of ` +
            `snapshots (the first day kept is ${first})`,
        },
      ]);
      expect(await runsOf(addDays(today(), -15))).toBe(0);

      await setRetention(400);
      await trigger(addDays(today(), -380)).expect(202);
      expect(await runsOf(addDays(today(), -380))).toBe(1);
    } finally {
      await setRetention(original);
    }
  });

  it('drops the marks of days outside retention: they are never refreshed', async () => {
    await sql(
      `INSERT INTO analytics_events
         (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT id, 'old-' || n, 'e', 'success', 1, 1, $1::timestamptz FROM event_sources, generate_series(1, 2) n
        WHERE slug = 'stripe'`,
      [`${addDays(today(), -60)}T12:00:00Z`],
    );
    expect(await dirtyMarks(ctx.db.sql)).toContain(`volume-by-period/day ${addDays(today(), -60)}`);
    await ctx.app.app.get(RefreshScheduler).tick();
    const marks = await dirtyMarks(ctx.db.sql);
    expect(marks).not.toContain(`volume-by-period/day ${addDays(today(), -60)}`);
    expect(marks).toContain(`status-counts/day ${addDays(today(), -60)}`);
  });
});

describe('retention of raw events (EVENT_RETENTION_DAYS)', () => {
  const ctx = useTestApp('demo', { env: { EVENT_RETENTION_DAYS: '45' } });
  const sql = (text: string, params: unknown[] = []) => ctx.db.sql.query(text, params);

  it('deletes events older than the horizon; their snapshots stay as they are', async () => {
    const horizon = addDays(today(), -45);
    const { rows } = await sql(
      `SELECT count(*) FILTER (WHERE occurred_at < ($1::date)::timestamp AT TIME ZONE 'UTC')::int AS old,
              count(*)::int AS total FROM analytics_events`,
      [horizon],
    );
    expect(rows[0].old).toBeGreaterThan(0);
    const snapshots = await dumpSnapshots(ctx.db.sql);

    await ctx.app.app.get(RefreshScheduler).tick();

    expect(await eventCount(ctx.db.sql)).toBe(rows[0].total - rows[0].old);
    const left = await sql(
      `SELECT count(*)::int AS n FROM analytics_events
        WHERE occurred_at < ($1::date)::timestamp AT TIME ZONE 'UTC'`,
      [horizon],
    );
    expect(left.rows[0].n).toBe(0);
    expect(await audits(ctx.db.sql, 'events.pruned')).toEqual([
      { actor: 'scheduler', metadata: { before: horizon, rows: rows[0].old } },
    ]);
    // Pruning raw events is not a change of what the snapshots count: no marks, no rebuilds.
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);
    expect(await dumpSnapshots(ctx.db.sql)).toBe(snapshots);
  });

  it('refreshes the first day of raw events kept; a week begun before it is left alone', async () => {
    const horizon = addDays(today(), -45);
    await insertEvent(ctx.db.sql, 'edge-1', `${horizon}T12:00:00Z`);
    const res = await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202);
    const runs = res.body.data as { id: string; window: string; date_from: string }[];
    // Every day window gets its run; a week window only when its week starts on the horizon.
    const weekWhole = bucketStartOf('week', horizon) === horizon;
    const expected = ['volume-by-period', 'status-counts', 'top-entities'].flatMap((report) => [
      `${report}/day ${horizon}`,
      ...(weekWhole ? [`${report}/week ${horizon}`] : []),
    ]);
    const created = runs.map(
      (run: { report_slug?: string; window: string; date_from: string }) =>
        `${run.report_slug}/${run.window} ${run.date_from}`,
    );
    expect(created.sort()).toEqual(expected.sort());
    for (const run of runs) await waitForStatus(ctx.db.sql, run.id, ['completed']);
    // What no run can rebuild is dropped by the next round.
    await ctx.app.app.get(RefreshScheduler).tick();
    expect((await dirtyMarks(ctx.db.sql)).filter((mark) => mark.endsWith(horizon))).toEqual([]);
  });

  it('refuses a rebuild of days whose raw events are gone', async () => {
    const horizon = addDays(today(), -45);
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'status-counts',
        window: 'day',
        date_from: addDays(horizon, -1),
        date_to: today(),
      })
      .expect(400);
    expect(res.body.error.details).toEqual([
      {
        parameter: 'date_from',
        message: `date_from must not be before ${horizon}: raw events before it were deleted (EVENT_RETENTION_DAYS), so their snapshots cannot be rebuilt`,
      },
    ]);
  });
});

describe('a week rebuild and the first raw day kept', () => {
  // The clock is set so that the first raw day kept (today − 45) is a Thursday.
  const clock = new TestClock();
  const ctx = useTestApp('migrated', {
    env: { EVENT_RETENTION_DAYS: '45' },
    overrides: [{ provide: Clock, useValue: clock }],
  });
  let firstRawDay: string;

  beforeAll(() => {
    // Days counted on the test clock alone (it stands still), so midnight cannot fall between.
    const clockDay = () => clock.now().toISOString().slice(0, 10);
    const weekday = new Date(`${addDays(clockDay(), -45)}T12:00:00Z`).getUTCDay();
    const thursday = 4;
    clock.time = new Date(clock.time.getTime() + ((thursday - weekday + 7) % 7) * 86_400_000);
    firstRawDay = addDays(clockDay(), -45);
  });

  const trigger = (dateFrom: string) =>
    ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'volume-by-period',
        window: 'week',
        date_from: dateFrom,
        date_to: addDays(firstRawDay, 10),
      });

  it('refuses one from a day whose week starts before it: that week cannot be recounted whole', async () => {
    const nextMonday = addDays(firstRawDay, 4);
    expect(bucketStartOf('week', nextMonday)).toBe(nextMonday);
    for (const dateFrom of [addDays(firstRawDay, -1), firstRawDay, addDays(firstRawDay, 3)]) {
      const res = await trigger(dateFrom).expect(400);
      expect(res.body.error.details).toEqual([
        {
          parameter: 'date_from',
          message:
            `date_from must not be before ${nextMonday}: a week run rebuilds whole weeks from ` +
            `Monday, and raw events before ${firstRawDay} were deleted (EVENT_RETENTION_DAYS), ` +
            `so the week of ${dateFrom} cannot be recounted whole`,
        },
      ]);
    }
    const res = await trigger(nextMonday).expect(202);
    const run = await waitForStatus(ctx.db.sql, res.body.data.id, ['completed', 'failed']);
    expect(run.status).toBe('completed');
  });
});

describe('a report definition added by hand (no SQL in the service)', () => {
  const ctx = useTestApp('demo');
  const sql = (text: string, params: unknown[] = []) => ctx.db.sql.query(text, params);

  it('is not refreshed, and does not hold up the reports that have SQL', async () => {
    await sql(`INSERT INTO report_definitions (slug, name, cache_ttl_seconds, default_window)
               VALUES ('amount-by-day', 'Amount by day', 60, 'day')`);
    await sql(`INSERT INTO aggregate_windows
                 (report_slug, window_name, retention_days, refresh_interval_minutes, is_default)
               VALUES ('amount-by-day', 'day', 365, 60, true)`);
    const day = addDays(today(), -3);
    await insertEvent(ctx.db.sql, 'by-hand-1', `${day}T12:00:00Z`);
    expect(await dirtyMarks(ctx.db.sql)).toContain(`amount-by-day/day ${day}`);

    const res = await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202);
    const runs = res.body.data as { id: string; report_slug: string; window: string }[];
    expect(runs.map((run) => `${run.report_slug}/${run.window}`).sort()).toEqual(SCOPE_NAMES);
    for (const run of runs) await waitForStatus(ctx.db.sql, run.id, ['completed']);
    const freshness = await ctx.http.get('/api/v1/freshness').set(AUTH).expect(200);
    expect(
      freshness.body.data.map((scope: { report_slug: string }) => scope.report_slug),
    ).not.toContain('amount-by-day');
    await ctx.app.app.get(RefreshScheduler).tick();
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);
    const health = await ctx.http.get('/api/v1/health').expect(200);
    expect(health.body.data.freshness).toBe('ok');
  });
});
