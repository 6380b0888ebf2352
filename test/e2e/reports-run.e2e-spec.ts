import { EARLIEST_DAY, LATEST_DAY } from '../../src/common/time-rules.js';
import { REPORT_SLUGS } from '../../src/snapshots/report-catalog.js';
import { RecomputeService } from '../../src/recompute/recompute.service.js';
import { useTestApp } from '../support/context.js';
import {
  addDays,
  runAllPages,
  runUrl,
  today,
  truth,
  type Layout,
  type TruthQuery,
} from '../support/reports.js';

const WINDOWS = ['day', 'week'] as const;

interface Combination {
  slug: string;
  /** The `breakdown` parameter (undefined: omitted). */
  breakdown: string | undefined;
  layout: Layout;
  filter: { name: string; value: string } | undefined;
}

/**
 * Every report × breakdown (omitted too) × filter (none too), with the layout each must give,
 * written here from the product's rules (not taken from the catalog the service uses).
 */
function combinations(sources: string[]): Combination[] {
  const list: Combination[] = [];
  const add = (
    slug: string,
    breakdowns: [string | undefined, Layout][],
    filters: [string, string[]][],
  ) => {
    for (const [breakdown, layout] of breakdowns) {
      list.push({ slug, breakdown, layout, filter: undefined });
      for (const [name, values] of filters) {
        for (const value of values) list.push({ slug, breakdown, layout, filter: { name, value } });
      }
    }
  };
  add(
    'volume-by-period',
    [
      [undefined, 'period'],
      ['period', 'period'],
      ['source', 'period_dimension'],
    ],
    [['source', sources]],
  );
  add(
    'status-counts',
    [
      [undefined, 'dimension'],
      ['status', 'dimension'],
      ['period', 'period_dimension'],
    ],
    [['status', ['success', 'failed', 'pending']]],
  );
  add('top-entities', [[undefined, 'dimension']], []);
  return list;
}

function describeCombination(c: Combination, window: string): string {
  const filter = c.filter ? ` ${c.filter.name}=${c.filter.value}` : '';
  return `${c.slug} window=${window} breakdown=${c.breakdown ?? '(omitted)'}${filter}`;
}

/** Runs every combination over [dateFrom, dateTo] and compares rows and totals to SQL truth. */
async function expectAllCombinationsMatchTruth(
  ctx: ReturnType<typeof useTestApp>,
  dateFrom: string,
  dateTo: string,
  sources: string[],
  pageSize = 37,
): Promise<number> {
  let checked = 0;
  for (const window of WINDOWS) {
    for (const c of combinations(sources)) {
      const params = {
        window,
        date_from: dateFrom,
        date_to: dateTo,
        breakdown: c.breakdown,
        ...(c.filter ? { [c.filter.name]: c.filter.value } : {}),
      };
      const query: TruthQuery = {
        slug: c.slug,
        window,
        dateFrom,
        dateTo,
        layout: c.layout,
        filter: c.filter?.value,
      };
      const expected = await truth(ctx.db.sql, query);
      const actual = await runAllPages(ctx.http, c.slug, params, pageSize);
      const label = describeCombination(c, window);
      expect({ label, rows: actual.rows, total: actual.total }).toEqual({
        label,
        rows: expected,
        total: expected.length,
      });
      checked += 1;
    }
  }
  return checked;
}

describe('GET /api/v1/reports/{slug}/run equals SQL over analytics_events (demo data)', () => {
  const ctx = useTestApp('demo');
  const SOURCES = ['adyen', 'paypal', 'stripe'];

  it('over the default range (the last 30 days), for every combination', async () => {
    const to = today();
    const from = addDays(to, -29);
    expect(await expectAllCombinationsMatchTruth(ctx, from, to, SOURCES)).toBe(50);
  });

  it('over all the demo data, in pages of 100 and of 7', async () => {
    const to = today();
    const from = addDays(to, -95);
    await expectAllCombinationsMatchTruth(ctx, from, to, SOURCES, 100);
    const top = await runAllPages(ctx.http, 'top-entities', { date_from: from, date_to: to }, 7);
    expect(top.pages).toBe(Math.ceil(240 / 7));
    expect(top.rows).toEqual(
      await truth(ctx.db.sql, {
        slug: 'top-entities',
        window: 'day',
        dateFrom: from,
        dateTo: to,
        layout: 'dimension',
      }),
    );
  });

  it('counts a week bucket when its Monday is in range, with the whole week', async () => {
    // A range starting on a Wednesday and ending on a Tuesday: the first week (starting two days
    // before date_from) is out; the last one (ending five days after date_to) is in, complete.
    const to = today();
    let from = addDays(to, -60);
    while (new Date(`${from}T00:00:00Z`).getUTCDay() !== 3) from = addDays(from, 1);
    const until = addDays(from, 27);
    const res = await ctx.http
      .get(runUrl('volume-by-period', { window: 'week', date_from: from, date_to: until }))
      .expect(200);
    const expected = await truth(ctx.db.sql, {
      slug: 'volume-by-period',
      window: 'week',
      dateFrom: from,
      dateTo: until,
      layout: 'period',
    });
    expect(res.body.data.rows).toEqual(expected);
    expect(expected.map((row) => row.bucket_date)).toEqual([
      addDays(from, 5),
      addDays(from, 12),
      addDays(from, 19),
      addDays(from, 26),
    ]);
  });

  it('answers with the documented data and meta, and the defaults', async () => {
    const res = await ctx.http.get('/api/v1/reports/status-counts/run').expect(200);
    const to = today();
    const { rows } = await ctx.db.sql.query(
      `SELECT min(computed_at) AS as_of FROM metric_snapshots
        WHERE report_slug = 'status-counts' AND window_name = 'day'
          AND bucket_start >= ($1::date)::timestamp AT TIME ZONE 'UTC'
          AND bucket_start < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`,
      [addDays(to, -29), to],
    );
    expect(res.body).toEqual({
      data: {
        report_slug: 'status-counts',
        window: 'day',
        date_from: addDays(to, -29),
        date_to: to,
        generated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        rows: await truth(ctx.db.sql, {
          slug: 'status-counts',
          window: 'day',
          dateFrom: addDays(to, -29),
          dateTo: to,
          layout: 'dimension',
        }),
        row_count: 3,
        execution_ms: expect.any(Number),
        cache_hit: expect.any(Boolean),
        source_system: 'metric_snapshots',
      },
      meta: {
        cache_hit: res.body.data.cache_hit,
        pagination: { limit: 50, offset: 0, total: 3 },
        freshness: { as_of: rows[0].as_of.toISOString(), stale: false, dirty_days: 0 },
      },
    });
    for (const row of res.body.data.rows) expect(typeof row.event_count).toBe('number');
  });

  it('ends a range given only date_from today', async () => {
    const from = addDays(today(), -3);
    const res = await ctx.http.get(runUrl('volume-by-period', { date_from: from })).expect(200);
    expect(res.body.data).toMatchObject({ date_from: from, date_to: today() });
    expect(res.body.data.rows).toHaveLength(4);
  });

  it('counts a range given only date_to back DEFAULT_REPORT_DAYS days', async () => {
    const to = addDays(today(), -10);
    const res = await ctx.http.get(runUrl('volume-by-period', { date_to: to })).expect(200);
    expect(res.body.data).toMatchObject({ date_from: addDays(to, -29), date_to: to });
  });

  it('answers an empty page past the end with the total', async () => {
    const res = await ctx.http.get(runUrl('top-entities', { offset: 1000 })).expect(200);
    const all = await truth(ctx.db.sql, {
      slug: 'top-entities',
      window: 'day',
      dateFrom: addDays(today(), -29),
      dateTo: today(),
      layout: 'dimension',
    });
    expect(res.body.data.rows).toEqual([]);
    expect(res.body.data.row_count).toBe(0);
    expect(res.body.meta.pagination).toEqual({ limit: 50, offset: 1000, total: all.length });
  });

  it('answers a range without snapshots with no rows', async () => {
    const res = await ctx.http
      .get(runUrl('status-counts', { date_from: '2001-01-01', date_to: '2001-12-31' }))
      .expect(200);
    expect(res.body.data.rows).toEqual([]);
    expect(res.body.meta.pagination.total).toBe(0);
  });

  it('accepts the first and last days a run may name, and the maximum range', async () => {
    for (const [from, to] of [
      [EARLIEST_DAY, addDays(EARLIEST_DAY, 365)],
      [addDays(LATEST_DAY, -365), LATEST_DAY],
      [addDays(today(), -365), today()],
    ]) {
      const res = await ctx.http.get(runUrl('top-entities', { date_from: from, date_to: to }));
      expect(res.status).toBe(200);
    }
  });
});

describe('report runs on data added to the demo data and recomputed', () => {
  const ctx = useTestApp('demo');

  it('equal SQL truth for every combination after new events and a new source', async () => {
    // Events on bucket edges (UTC midnight, the last millisecond of a day, Sunday night and
    // Monday morning), far outside the demo range, for a new source and a new top entity.
    const monday = '2025-03-03';
    await ctx.db.sql.query(
      `INSERT INTO event_sources (slug, provider_name) VALUES ('square', 'Square')`,
    );
    await ctx.db.sql.query(
      `INSERT INTO analytics_events
         (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT s.id, concat_ws('-', 'added', v.source, v.at, n), v.entity, v.status, 100, 100,
              v.at::timestamptz
         FROM (VALUES
           ('square', 'entity-new', 'success', '2025-03-02T23:59:59.999Z'),
           ('square', 'entity-new', 'failed', '2025-03-03T00:00:00Z'),
           ('stripe', 'entity-new', 'pending', '2025-03-03T00:00:00.001Z'),
           ('adyen', 'entity-new', 'success', '2025-03-09T23:59:59Z'),
           ('paypal', 'entity-1', 'success', '2025-03-10T00:00:00Z'),
           ('square', 'entity-new', 'success', '2025-03-05T12:00:00+09:00'),
           ('stripe', 'entity-z', 'failed', '2025-02-28T23:00:00-05:00')
         ) AS v (source, entity, status, at)
         JOIN event_sources s ON s.slug = v.source
         CROSS JOIN generate_series(1, 3) AS n`,
    );
    await ctx.db.sql.query(
      `INSERT INTO analytics_events
         (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT s.id, 'bulk-' || n, 'entity-new', 'success', 1, 1,
              '2025-03-04T00:00:00Z'::timestamptz + n * interval '7 minutes'
         FROM event_sources s, generate_series(1, 400) AS n
        WHERE s.slug = 'square'`,
    );
    const recompute = ctx.app.app.get(RecomputeService);
    for (const reportSlug of REPORT_SLUGS) {
      for (const window of WINDOWS) {
        const run = await recompute.runNow(
          { reportSlug, window, dateFrom: '2025-02-20', dateTo: '2025-03-20' },
          'reports-e2e',
        );
        expect(run.status).toBe('completed');
      }
    }
    // The new source is accepted once the definitions are read again (within ~2 s).
    const deadline = Date.now() + 10_000;
    while ((await ctx.http.get(runUrl('volume-by-period', { source: 'square' }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('source=square was never accepted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sources = ['adyen', 'paypal', 'square', 'stripe'];
    await expectAllCombinationsMatchTruth(ctx, '2025-02-24', '2025-03-10', sources, 5);
    await expectAllCombinationsMatchTruth(ctx, monday, monday, sources, 2);

    const top = await ctx.http
      .get(runUrl('top-entities', { date_from: '2025-03-01', date_to: '2025-03-31' }))
      .expect(200);
    expect(top.body.data.rows[0]).toEqual({ entity_id: 'entity-new', event_count: 415 });
  });

  it('never reads analytics_events', async () => {
    await ctx.db.sql.query('ALTER TABLE analytics_events RENAME TO analytics_events_hidden');
    try {
      for (const slug of REPORT_SLUGS) {
        // An unusual range, so that nothing is served from the cache.
        const res = await ctx.http.get(
          runUrl(slug, { date_from: '2025-03-02', date_to: '2025-03-12', limit: 99 }),
        );
        expect(res.status).toBe(200);
        expect(res.body.data.cache_hit).toBe(false);
        expect(res.body.data.rows.length).toBeGreaterThan(0);
      }
    } finally {
      await ctx.db.sql.query('ALTER TABLE analytics_events_hidden RENAME TO analytics_events');
    }
  });
});
