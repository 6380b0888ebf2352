import { useTestApp } from '../support/context.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { AUTH, waitFor, waitForStatus } from '../support/recompute.js';
import { addDays, runUrl, today } from '../support/reports.js';

describe('meta.freshness of report runs', () => {
  const ctx = useTestApp('demo');
  const day = (offset: number) => addDays(today(), offset);

  /** The oldest computed_at of a report and window's snapshots whose bucket starts in [from, to]. */
  async function asOf(report: string, window: string, from: string, to: string) {
    const { rows } = await ctx.db.sql.query(
      `SELECT min(computed_at) AS as_of FROM metric_snapshots
        WHERE report_slug = $1 AND window_name = $2
          AND bucket_start >= ($3::date)::timestamp AT TIME ZONE 'UTC'
          AND bucket_start < ($4::date + 1)::timestamp AT TIME ZONE 'UTC'`,
      [report, window, from, to],
    );
    return rows[0].as_of ? (rows[0].as_of as Date).toISOString() : null;
  }

  const run = (report: string, params: Record<string, string | number>) =>
    ctx.http.get(runUrl(report, params)).expect(200);

  it('says how old the rows are and whether a bucket of the range is dirty', async () => {
    const fresh = await run('status-counts', { date_from: day(-6), date_to: day(0) });
    expect(fresh.body.meta.freshness).toEqual({
      as_of: await asOf('status-counts', 'day', day(-6), day(0)),
      stale: false,
      dirty_days: 0,
    });
    expect(fresh.body.meta.freshness.as_of).not.toBeNull();

    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(1, { occurred_at: `${day(-3)}T12:00:00Z` })] })
      .expect(200);

    // The cached answer carries the freshness of when it was computed…
    const cached = await run('status-counts', { date_from: day(-6), date_to: day(0) });
    expect(cached.body.meta).toMatchObject({
      cache_hit: true,
      freshness: fresh.body.meta.freshness,
    });
    // …a new read sees the dirty day, in the day and in the week that holds it.
    const stale = await run('status-counts', { date_from: day(-5), date_to: day(0) });
    expect(stale.body.meta.freshness).toEqual({
      as_of: await asOf('status-counts', 'day', day(-5), day(0)),
      stale: true,
      dirty_days: 1,
    });
    const elsewhere = await run('status-counts', { date_from: day(-20), date_to: day(-10) });
    expect(elsewhere.body.meta.freshness).toMatchObject({ stale: false, dirty_days: 0 });
    const weeks = await run('volume-by-period', {
      window: 'week',
      date_from: day(-13),
      date_to: day(0),
    });
    expect(weeks.body.meta.freshness).toMatchObject({ stale: true, dirty_days: 1 });
    const otherWeeks = await run('volume-by-period', {
      window: 'week',
      date_from: day(-60),
      date_to: day(-30),
    });
    expect(otherWeeks.body.meta.freshness).toMatchObject({ stale: false, dirty_days: 0 });

    // After the refresh the rows are newer, and clean.
    const refresh = await ctx.http.post('/api/v1/refresh').set(AUTH).expect(202);
    for (const created of refresh.body.data) {
      await waitForStatus(ctx.db.sql, created.id, ['completed']);
    }
    const after = await run('status-counts', { date_from: day(-5), date_to: day(0), limit: 10 });
    expect(after.body.meta.freshness).toEqual({
      as_of: await asOf('status-counts', 'day', day(-5), day(0)),
      stale: false,
      dirty_days: 0,
    });
  });

  it('answers a range without snapshots with as_of null, and dirty when its events changed', async () => {
    const from = day(-200);
    const empty = await run('top-entities', { date_from: from, date_to: addDays(from, 2) });
    expect(empty.body.data.rows).toEqual([]);
    expect(empty.body.meta.freshness).toEqual({ as_of: null, stale: false, dirty_days: 0 });
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(2, { occurred_at: `${addDays(from, 1)}T08:00:00Z` })] })
      .expect(200);
    const dirty = await run('top-entities', { date_from: from, date_to: addDays(from, 3) });
    expect(dirty.body.meta.freshness).toEqual({ as_of: null, stale: true, dirty_days: 1 });
    // Past the last page too.
    const beyond = await run('top-entities', {
      date_from: from,
      date_to: addDays(from, 4),
      offset: 50,
    });
    expect(beyond.body.meta.freshness).toEqual({ as_of: null, stale: true, dirty_days: 1 });
  });
});

describe('report runs and retention', () => {
  const ctx = useTestApp('demo');

  beforeAll(async () => {
    await ctx.db.sql.query(
      `UPDATE aggregate_windows SET retention_days = 10
        WHERE report_slug = 'top-entities' AND window_name = 'day'`,
    );
  });

  it('refuses a date_from before the first day kept, naming it; a default range starts there', async () => {
    const first = addDays(today(), -10);
    const message =
      `date_from must not be before ${first}: top-entities/day keeps 10 days of snapshots ` +
      `(the first day kept is ${first})`;
    // The definitions are read again within two seconds.
    const res = await waitFor('the new retention to apply', async () => {
      const answer = await ctx.http.get(runUrl('top-entities', { date_from: addDays(first, -1) }));
      return answer.status === 400 ? answer : undefined;
    });
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message,
      details: [{ parameter: 'date_from', message }],
      request_id: expect.any(String),
    });
    await ctx.http.get(runUrl('top-entities', { date_from: first })).expect(200);
    const byDefault = await ctx.http.get(runUrl('top-entities', {})).expect(200);
    expect(byDefault.body.data).toMatchObject({ date_from: first, date_to: today() });
    const before = await ctx.http
      .get(runUrl('top-entities', { date_to: addDays(first, -1) }))
      .expect(400);
    expect(before.body.error.details[0].parameter).toBe('date_to');
    // The week window keeps its own (longer) horizon.
    await ctx.http
      .get(runUrl('top-entities', { window: 'week', date_from: addDays(first, -30) }))
      .expect(200);
  });
});
