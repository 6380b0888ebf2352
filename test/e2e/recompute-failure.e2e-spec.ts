import { useTestApp } from '../support/context.js';
import {
  AUTH,
  dumpSnapshots,
  expectedRows,
  insertEvents,
  storedRows,
  waitForStatus,
} from '../support/recompute.js';

/** A failed rebuild changes nothing: the demo snapshots stay byte-identical. */
describe('a rebuild that fails inside its transaction', () => {
  const ctx = useTestApp('demo');
  let range: { date_from: string; date_to: string };

  beforeAll(async () => {
    const { rows } = await ctx.db.sql.query(
      `SELECT to_char(min(date_from), 'YYYY-MM-DD') AS date_from,
              to_char(max(date_to), 'YYYY-MM-DD') AS date_to FROM recompute_runs`,
    );
    range = rows[0];
    // New events, so a successful rebuild would change the snapshots.
    await insertEvents(
      ctx.db.sql,
      500,
      `${range.date_from}T00:00:00Z`,
      `${range.date_to}T12:00:00Z`,
    );
  });

  it.each(['day', 'week'])(
    'leaves every snapshot as it was and the %s run failed, with its audit entry',
    async (window) => {
      await ctx.db.sql.query(`
        CREATE OR REPLACE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure for the test'; END $$;
        CREATE TRIGGER test_fail_insert BEFORE INSERT ON metric_snapshots
          FOR EACH STATEMENT EXECUTE FUNCTION test_fail_insert();`);
      const before = await dumpSnapshots(ctx.db.sql);
      expect(before.length).toBeGreaterThan(0);
      try {
        const res = await ctx.http
          .post('/api/v1/recomputations')
          .set(AUTH)
          .send({ report_slug: 'volume-by-period', window, ...range })
          .expect(202);
        const id = res.body.data.id;
        await waitForStatus(ctx.db.sql, id, ['completed', 'failed']);

        expect(await dumpSnapshots(ctx.db.sql)).toBe(before);
        const run = (await ctx.http.get(`/api/v1/recomputations/${id}`).set(AUTH).expect(200)).body
          .data;
        expect(run).toMatchObject({
          status: 'failed',
          summary: null,
          error_message: 'rebuild failed: injected failure for the test',
        });
        expect(run.finished_at).not.toBeNull();
        const audit = await ctx.http
          .get(`/api/v1/audit-entries?action=recompute.failed&actor=recompute-worker`)
          .set(AUTH)
          .expect(200);
        expect(audit.body.data[0]).toMatchObject({
          actor: 'recompute-worker',
          action: 'recompute.failed',
          resource_type: 'recompute_run',
          resource_id: id,
          metadata: {
            report_slug: 'volume-by-period',
            window,
            ...range,
            attempt: 1,
            error: 'rebuild failed: injected failure for the test',
          },
        });
        const completed = await ctx.db.sql.query(
          `SELECT 1 FROM audit_entries WHERE resource_id = $1 AND action = 'recompute.completed'`,
          [id],
        );
        expect(completed.rows).toEqual([]);
      } finally {
        await ctx.db.sql.query('DROP TRIGGER test_fail_insert ON metric_snapshots');
      }
    },
  );

  it('succeeds once the failure is gone, and the failed run does not block its scope', async () => {
    const before = await dumpSnapshots(ctx.db.sql);
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set(AUTH)
      .send({ report_slug: 'volume-by-period', window: 'day', ...range })
      .expect(202);
    expect(
      (await waitForStatus(ctx.db.sql, res.body.data.id, ['completed', 'failed'])).status,
    ).toBe('completed');
    expect(await dumpSnapshots(ctx.db.sql)).not.toBe(before);
    const start = `${range.date_from}T00:00:00Z`;
    const end = new Date(Date.parse(`${range.date_to}T00:00:00Z`) + 86_400_000).toISOString();
    expect(await storedRows(ctx.db.sql, 'volume-by-period', 'day', start, end)).toEqual(
      await expectedRows(ctx.db.sql, 'volume-by-period', 'day', start, end),
    );
  });
});
