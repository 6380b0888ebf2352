import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DemoDataService } from '../../src/demo/demo-data.service.js';
import { REPORT_SLUGS } from '../../src/snapshots/report-catalog.js';
import { startApp } from '../support/app.js';
import { useTestApp, useTestDatabase } from '../support/context.js';
import type { TestDatabase } from '../support/database.js';
import { dimensionOf } from '../support/reports.js';

const run = promisify(execFile);
const N = 25_000;
const SOURCES = ['stripe', 'adyen', 'paypal'];

/** The demo data's rules computed in the test, independently of the SQL that generated it. */
function expectedEvent(i: number) {
  return {
    external_ref: `evt-${i}`,
    source: SOURCES[i % 3],
    entity_id: `entity-${(i % 240) + 1}`,
    status: i % 17 === 0 ? 'failed' : i % 11 === 0 ? 'pending' : 'success',
    processing_ms: 80 + (i % 700),
    amount_cents: 100 + ((i * 37) % 100000),
    payload: {
      region: ['us-east', 'eu-west', 'ap-south'][i % 3],
      batch: Math.floor(i / 100),
      provider_rank: i % 5,
    },
  };
}

function tally(key: (i: number) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 1; i <= N; i++) counts[key(i)] = (counts[key(i)] ?? 0) + 1;
  return counts;
}

async function countsBy(db: TestDatabase, sql: string): Promise<Record<string, number>> {
  const { rows } = await db.sql.query(sql);
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.count)]));
}

/** Snapshot rows and the same aggregation over analytics_events, as comparable sorted lists. */
async function snapshotsAndTruth(db: TestDatabase, report: string, window: string) {
  const snapshots = await db.sql.query(
    `SELECT bucket_start, dimension_value, metric_value::int AS value
       FROM metric_snapshots
      WHERE report_slug = $1 AND window_name = $2 AND metric_name = 'event_count'
      ORDER BY 1, 2`,
    [report, window],
  );
  const truth = await db.sql.query(
    `SELECT date_trunc($1, e.occurred_at, 'UTC') AS bucket_start, ${dimensionOf(report).sql} AS dimension_value,
            count(*)::int AS value
       FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [window],
  );
  return { snapshots: snapshots.rows, truth: truth.rows };
}

describe('demo data', () => {
  const ctx = useTestDatabase('demo');

  it('has 25,000 events with the source, status and entity mix of the formula', async () => {
    const { rows } = await ctx.db.sql.query('SELECT count(*)::int AS n FROM analytics_events');
    expect(rows[0].n).toBe(N);
    expect(
      await countsBy(
        ctx.db,
        `SELECT s.slug AS key, count(*) FROM analytics_events e JOIN event_sources s ON s.id = e.source_id GROUP BY 1`,
      ),
    ).toEqual(tally((i) => expectedEvent(i).source));
    expect(
      await countsBy(ctx.db, `SELECT status AS key, count(*) FROM analytics_events GROUP BY 1`),
    ).toEqual(tally((i) => expectedEvent(i).status));
    expect(
      await countsBy(ctx.db, `SELECT entity_id AS key, count(*) FROM analytics_events GROUP BY 1`),
    ).toEqual(tally((i) => expectedEvent(i).entity_id));
  });

  it.each([1, 11, 17, 187, 240, 699, 12345, 25000])('event %i matches the formula', async (i) => {
    const { rows } = await ctx.db.sql.query(
      `SELECT e.external_ref, s.slug AS source, e.entity_id, e.status, e.processing_ms, e.amount_cents, e.payload
         FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
        WHERE e.external_ref = $1`,
      [`evt-${i}`],
    );
    expect(rows).toEqual([expectedEvent(i)]);
  });

  it('places every event at now − (i mod 90) days − (i mod 24) hours, on the hour', async () => {
    const { rows } = await ctx.db.sql.query(`
      SELECT count(DISTINCT occurred_at + make_interval(days => i % 90, hours => i % 24))::int AS anchors,
             bool_and(date_trunc('hour', occurred_at, 'UTC') = occurred_at) AS on_the_hour,
             max(occurred_at) <= now() AS not_in_future
        FROM (SELECT occurred_at, substr(external_ref, 5)::int AS i FROM analytics_events) t`);
    expect(rows[0]).toEqual({ anchors: 1, on_the_hour: true, not_in_future: true });
  });

  it('records six completed runs requested by seed covering today − 90 days … today', async () => {
    const { rows } = await ctx.db.sql.query(
      `SELECT report_slug, window_name, status, requested_by, date_to - date_from AS days,
              (summary->>'rows_inserted')::int AS inserted, started_at IS NOT NULL AS started,
              finished_at >= started_at AS finished
         FROM recompute_runs ORDER BY report_slug, window_name`,
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row).toMatchObject({
        status: 'completed',
        requested_by: 'seed',
        days: 90,
        started: true,
        finished: true,
      });
    }
    const range = await ctx.db.sql.query(
      `SELECT bool_and(date_from <= (SELECT min(occurred_at) AT TIME ZONE 'UTC' FROM analytics_events)::date
                   AND date_to >= (SELECT max(occurred_at) AT TIME ZONE 'UTC' FROM analytics_events)::date) AS covers
         FROM recompute_runs`,
    );
    expect(range.rows[0].covers).toBe(true);
  });

  it('tags every snapshot row with the run that produced it', async () => {
    const { rows } = await ctx.db.sql.query(`
      SELECT count(*)::int AS untagged FROM metric_snapshots m
       WHERE NOT EXISTS (SELECT 1 FROM recompute_runs r
                          WHERE r.id = m.run_id AND r.report_slug = m.report_slug AND r.window_name = m.window_name)`);
    expect(rows[0].untagged).toBe(0);
    const perRun = await ctx.db.sql.query(`
      SELECT r.id, (r.summary->>'rows_inserted')::int AS inserted, count(m.id)::int AS rows
        FROM recompute_runs r LEFT JOIN metric_snapshots m ON m.run_id = r.id GROUP BY r.id`);
    for (const row of perRun.rows) expect(row.rows).toBe(row.inserted);
  });

  it.each(REPORT_SLUGS.flatMap((report) => ['day', 'week'].map((window) => [report, window])))(
    '%s/%s snapshots equal the aggregation over analytics_events',
    async (report, window) => {
      const { snapshots, truth } = await snapshotsAndTruth(ctx.db, report, window);
      expect(snapshots.length).toBeGreaterThan(0);
      expect(snapshots).toEqual(truth);
      expect(snapshots.reduce((sum, row) => sum + row.value, 0)).toBe(N);
    },
  );
});

describe('seeding again', () => {
  const ctx = useTestApp('demo');

  const state = async () =>
    (
      await ctx.db.sql.query(`
        SELECT (SELECT count(*)::int FROM analytics_events) AS events,
               (SELECT count(*)::int FROM metric_snapshots) AS snapshots,
               (SELECT md5(string_agg(concat_ws('|', report_slug, window_name, bucket_start,
                                                dimension_key, dimension_value, metric_name,
                                                metric_value), ',' ORDER BY report_slug,
                                      window_name, bucket_start, dimension_key, dimension_value,
                                      metric_name))
                  FROM metric_snapshots) AS snapshot_digest,
               (SELECT json_agg(id ORDER BY id) FROM recompute_runs) AS runs,
               (SELECT max(id) FROM analytics_events) AS last_event`)
    ).rows[0];

  it('does nothing when events exist, at start-up or on request', async () => {
    const before = await state();
    const again = await startApp(ctx.db.url, { env: { APP_AUTO_SEED: 'true' } });
    await again.close();
    expect(await ctx.app.app.get(DemoDataService).seed()).toEqual({
      seeded: false,
      events: 0,
      runs: 0,
    });
    expect(await state()).toEqual(before);
  });

  it('resets the demo tables and loads them again with force', async () => {
    const before = await state();
    // The demo data is relative to the hour it was seeded in, so reseed at that hour:
    // a reseed in another hour may legitimately shift events across day and week buckets.
    // Event 360 is the one with no offset, so the newest event marks the template's hour.
    const { rows: anchor } = await ctx.db.sql.query(
      `SELECT max(occurred_at) AS now FROM analytics_events`,
    );
    const service = ctx.app.app.get(DemoDataService);
    expect(await service.seed({ force: true, now: anchor[0].now })).toEqual({
      seeded: true,
      events: N,
      runs: 6,
    });
    const after = await state();
    expect(after.events).toBe(N);
    expect(after.snapshots).toBe(before.snapshots);
    expect(after.snapshot_digest).toBe(before.snapshot_digest);
    expect(after.runs).toHaveLength(6);
    expect(after.runs).not.toEqual(before.runs);
    const { rows } = await ctx.db.sql.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'demo.seeded'`,
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('is available as the `npm run seed` command', async () => {
    const env = { ...process.env, DATABASE_URL: ctx.db.url, LOG_LEVEL: 'error' };
    const first = await run('node', ['dist/src/cli/seed.js'], { env });
    expect(first.stdout).toContain('nothing to do');
    const forced = await run('node', ['dist/src/cli/seed.js', '--force'], { env });
    expect(forced.stdout).toContain(`seeded ${N} events and 6 completed recompute runs`);
    expect((await state()).events).toBe(N);
  });
});

describe('auto-seed on an empty database', () => {
  const ctx = useTestDatabase('migrated');

  it('loads the demo data at start-up when APP_AUTO_SEED=true, and only once', async () => {
    const app = await startApp(ctx.db.url, { env: { APP_AUTO_SEED: 'true' } });
    await app.close();
    const count = async () =>
      (
        await ctx.db.sql.query(
          `SELECT count(*)::int AS events, (SELECT count(*)::int FROM recompute_runs) AS runs FROM analytics_events`,
        )
      ).rows[0];
    expect(await count()).toEqual({ events: N, runs: 6 });
    const again = await startApp(ctx.db.url, { env: { APP_AUTO_SEED: 'true' } });
    await again.close();
    expect(await count()).toEqual({ events: N, runs: 6 });
  });
});
