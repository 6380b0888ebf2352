import { useTestDatabase } from '../support/context.js';
import { dirtyMarks } from '../support/events.js';
import {
  expectedRows,
  insertEvents,
  installGate,
  setGate,
  storedRows,
  waitAtGate,
  waitFor,
  waitForStatus,
} from '../support/recompute.js';
import { startOnTestDatabase, type ServiceProcess } from '../support/service-process.js';

const START = '2026-09-01T00:00:00Z';
const END = '2026-09-08T00:00:00Z';

/** The built service with its scheduler on, ticking every second. */
const startOn = (databaseUrl: string) =>
  startOnTestDatabase(databaseUrl, {
    INGEST_API_KEY: 'crash-ingest-key',
    REFRESH_ENABLED: 'true',
    REFRESH_TICK_SECONDS: '1',
  });

describe('the built service killed with SIGKILL during a scheduled refresh', () => {
  const services: ServiceProcess[] = [];
  // Declared before useTestDatabase: afterAll hooks run in order, and the services stop first.
  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
  });
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    const { db } = ctx;
    // Only one report and window, so the refresh is one run we can hold.
    await db.sql.query(
      `DELETE FROM aggregate_windows
        WHERE NOT (report_slug = 'volume-by-period' AND window_name = 'day')`,
    );
    await insertEvents(db.sql, 5000, START, END);
    // The marks are a day old: due at the scheduler's first round.
    await db.sql.query(`UPDATE snapshot_dirty_days SET first_marked_at = now() - interval '1 day'`);
    await installGate(db.sql);
  });

  it('loses no mark, and the next instance finishes the refresh', async () => {
    const { db } = ctx;
    const marks = await dirtyMarks(db.sql);
    expect(marks).toHaveLength(7);
    await setGate(db.sql, true);
    const killed = await startOn(db.url);
    services.push(killed);
    await waitAtGate(db.sql); // the scheduled run is inside its rebuild
    const { rows } = await db.sql.query(
      `SELECT id::text, requested_by, status FROM recompute_runs ORDER BY requested_at`,
    );
    expect(rows).toEqual([
      { id: expect.any(String), requested_by: 'scheduler', status: 'running' },
    ]);
    const runId = rows[0].id;

    expect(await killed.stop('SIGKILL')).toBe('SIGKILL');
    expect(await dirtyMarks(db.sql)).toEqual(marks);
    // Its backend only notices the dead client once the gate lets its statement end; the
    // transaction then rolls back. Every mark is still there.
    await setGate(db.sql, false);
    await waitFor('the killed rebuild to be gone', async () => {
      const active = await db.sql.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'tally'`,
      );
      return active.rows.length === 0 ? true : undefined;
    });
    expect(await dirtyMarks(db.sql)).toEqual(marks);
    expect((await db.sql.query(`SELECT count(*)::int AS n FROM metric_snapshots`)).rows[0].n).toBe(
      0,
    );

    const restarted = await startOn(db.url);
    services.push(restarted);
    const done = await waitForStatus(db.sql, runId, ['completed', 'failed'], 60_000);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    await waitFor('the marks to be cleared', async () =>
      (await dirtyMarks(db.sql)).length === 0 ? true : undefined,
    );
    expect(await storedRows(db.sql, 'volume-by-period', 'day', START, END)).toEqual(
      await expectedRows(db.sql, 'volume-by-period', 'day', START, END),
    );
    // No second run was scheduled for the same days.
    const runs = await db.sql.query(`SELECT count(*)::int AS n FROM recompute_runs`);
    expect(runs.rows[0].n).toBe(1);
    expect([0, 'SIGTERM']).toContain(await restarted.stop('SIGTERM'));
  });
});
