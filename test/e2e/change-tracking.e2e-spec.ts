import { useTestApp } from '../support/context.js';
import { dirtyMarks, INGEST_AUTH, newEvent } from '../support/events.js';
import {
  AUTH,
  expectedRows,
  installGate,
  runRow,
  setGate,
  storedRows,
  SCOPE_NAMES,
  waitAtGate,
  waitForStatus,
} from '../support/recompute.js';

/** The marks of `days` for every report and window, as dirtyMarks lists them. */
const marksOf = (...days: string[]) =>
  SCOPE_NAMES.flatMap((scope) => days.map((day) => `${scope} ${day}`)).sort();

describe('change tracking: every change to analytics_events marks its UTC days dirty', () => {
  const ctx = useTestApp('migrated');
  const sql = (text: string, params: unknown[] = []) => ctx.db.sql.query(text, params);

  beforeEach(() => sql('TRUNCATE analytics_events, snapshot_dirty_days'));

  async function insertAt(ref: string, at: string) {
    await sql(
      `INSERT INTO analytics_events
         (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT id, $1, 'e', 'success', 1, 1, $2 FROM event_sources WHERE slug = 'stripe'`,
      [ref, at],
    );
  }

  it('marks the UTC days of events ingested through the API, for every report and window', async () => {
    const events = [
      newEvent(1, { occurred_at: '2026-10-05T23:59:59.999999Z' }),
      newEvent(2, { occurred_at: '2026-10-06T01:30:00+02:00' }), // 2026-10-05 in UTC
      newEvent(3, { occurred_at: '2026-10-07T00:00:00Z' }),
    ];
    await ctx.http.post('/api/v1/events').set(INGEST_AUTH).send({ events }).expect(200);
    expect(await dirtyMarks(ctx.db.sql)).toEqual(marksOf('2026-10-05', '2026-10-07'));
  });

  it('marks plain SQL inserts, deletes, and both days of an update that moves an event', async () => {
    await insertAt('a', '2026-03-01T10:00:00Z');
    expect(await dirtyMarks(ctx.db.sql)).toEqual(marksOf('2026-03-01'));

    await sql('TRUNCATE snapshot_dirty_days');
    await sql(
      `UPDATE analytics_events SET occurred_at = '2026-03-09T10:00:00Z' WHERE external_ref = 'a'`,
    );
    expect(await dirtyMarks(ctx.db.sql)).toEqual(marksOf('2026-03-01', '2026-03-09'));

    await sql('TRUNCATE snapshot_dirty_days');
    await sql(`UPDATE analytics_events SET status = 'failed' WHERE external_ref = 'a'`);
    expect(await dirtyMarks(ctx.db.sql)).toEqual(marksOf('2026-03-09'));

    // A change that no report reads (the payload) marks nothing.
    await sql('TRUNCATE snapshot_dirty_days');
    await sql(`UPDATE analytics_events SET payload = '{"x": 1}' WHERE external_ref = 'a'`);
    expect(await dirtyMarks(ctx.db.sql)).toEqual([]);

    await sql(`DELETE FROM analytics_events WHERE external_ref = 'a'`);
    expect(await dirtyMarks(ctx.db.sql)).toEqual(marksOf('2026-03-09'));
  });

  it('keeps the first mark time of a day and records the latest writer', async () => {
    await insertAt('a', '2026-03-01T10:00:00Z');
    const first = await sql(`SELECT first_marked_at, marked_xid FROM snapshot_dirty_days LIMIT 1`);
    await insertAt('b', '2026-03-01T11:00:00Z');
    const second = await sql(
      `SELECT first_marked_at, marked_xid FROM snapshot_dirty_days
        WHERE report_slug = $1 AND window_name = 'day'`,
      ['status-counts'],
    );
    expect(second.rows[0].first_marked_at).toEqual(first.rows[0].first_marked_at);
    expect(Number(second.rows[0].marked_xid)).toBeGreaterThan(Number(first.rows[0].marked_xid));
  });

  it('marks the days that have snapshots when the events are truncated', async () => {
    await insertAt('a', '2026-03-04T10:00:00Z'); // a Wednesday
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({
        report_slug: 'status-counts',
        window: 'week',
        date_from: '2026-03-04',
        date_to: '2026-03-04',
      })
      .expect(202);
    await waitForStatus(ctx.db.sql, res.body.data.id, ['completed']);
    await sql('TRUNCATE snapshot_dirty_days');
    await sql('TRUNCATE analytics_events');
    // The week bucket starts on Monday 2026-03-02.
    expect(await dirtyMarks(ctx.db.sql)).toEqual(['status-counts/week 2026-03-02']);
  });
});

describe('rebuilds clear the marks they covered, and only those', () => {
  const ctx = useTestApp('migrated');

  async function run(body: Record<string, string>): Promise<string> {
    const res = await ctx.http.post('/api/v1/recomputations').set(AUTH).send(body).expect(202);
    return res.body.data.id;
  }

  beforeAll(async () => {
    const events = ['2026-03-01', '2026-03-02', '2026-03-08', '2026-03-09', '2026-03-20'].map(
      (day, i) => newEvent(i, { occurred_at: `${day}T12:00:00Z` }),
    );
    await ctx.http.post('/api/v1/events').set(INGEST_AUTH).send({ events }).expect(200);
  });

  it('a day run clears its days; a week run clears every day of its weeks', async () => {
    const day = await run({
      report_slug: 'status-counts',
      window: 'day',
      date_from: '2026-03-01',
      date_to: '2026-03-08',
    });
    await waitForStatus(ctx.db.sql, day, ['completed']);
    const week = await run({
      report_slug: 'top-entities',
      window: 'week',
      date_from: '2026-03-09',
      date_to: '2026-03-09',
    });
    await waitForStatus(ctx.db.sql, week, ['completed']);
    const marks = await dirtyMarks(ctx.db.sql);
    expect(marks.filter((m) => m.startsWith('status-counts/day'))).toEqual([
      'status-counts/day 2026-03-09',
      'status-counts/day 2026-03-20',
    ]);
    // 2026-03-09 is a Monday: the week of 9–15 March was rebuilt, the others stay dirty.
    expect(marks.filter((m) => m.startsWith('top-entities/week'))).toEqual([
      'top-entities/week 2026-03-01',
      'top-entities/week 2026-03-02',
      'top-entities/week 2026-03-08',
      'top-entities/week 2026-03-20',
    ]);
    expect(marks.filter((m) => m.startsWith('volume-by-period/day'))).toHaveLength(5);
  });

  it('a change committed while a rebuild runs keeps its mark, and the next rebuild takes it in', async () => {
    await installGate(ctx.db.sql);
    await setGate(ctx.db.sql, true);
    const scope = {
      report_slug: 'volume-by-period',
      window: 'day',
      date_from: '2026-03-20',
      date_to: '2026-03-20',
    };
    try {
      const id = await run(scope);
      // The rebuild has read its snapshot of the events and waits at the gate.
      await waitAtGate(ctx.db.sql);
      expect((await runRow(ctx.db.sql, id)).status).toBe('running');
      await ctx.http
        .post('/api/v1/events')
        .set(INGEST_AUTH)
        .send({ events: [newEvent(99, { occurred_at: '2026-03-20T13:00:00Z' })] })
        .expect(200);
      await setGate(ctx.db.sql, false);
      await waitForStatus(ctx.db.sql, id, ['completed']);
    } finally {
      await setGate(ctx.db.sql, false);
    }
    expect(await dirtyMarks(ctx.db.sql)).toContain('volume-by-period/day 2026-03-20');
    const start = '2026-03-20T00:00:00Z';
    const end = '2026-03-21T00:00:00Z';
    const truth = await expectedRows(ctx.db.sql, 'volume-by-period', 'day', start, end);
    expect(await storedRows(ctx.db.sql, 'volume-by-period', 'day', start, end)).not.toEqual(truth);

    const again = await run(scope);
    await waitForStatus(ctx.db.sql, again, ['completed']);
    expect(await dirtyMarks(ctx.db.sql)).not.toContain('volume-by-period/day 2026-03-20');
    expect(await storedRows(ctx.db.sql, 'volume-by-period', 'day', start, end)).toEqual(truth);
  });
});
