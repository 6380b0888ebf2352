import { useTestDatabase } from '../support/context.js';
import { MANAGEMENT_KEY } from '../support/app.js';
import { startOnTestDatabase, type ServiceProcess } from '../support/service-process.js';
import {
  expectedRows,
  insertEvents,
  installGate,
  runRow,
  setGate,
  storedRows,
  waitFor,
  waitForStatus,
} from '../support/recompute.js';

const START = '2026-09-01T00:00:00Z';
const END = '2026-10-01T00:00:00Z';

const startOn = (databaseUrl: string) => startOnTestDatabase(databaseUrl);

async function trigger(service: ServiceProcess, report: string): Promise<string> {
  const res = await fetch(`${service.url}/api/v1/recomputations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${MANAGEMENT_KEY}` },
    body: JSON.stringify({
      report_slug: report,
      window: 'day',
      date_from: '2026-09-01',
      date_to: '2026-09-30',
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

describe('the built service killed with SIGKILL during a rebuild', () => {
  const services: ServiceProcess[] = [];
  // Declared before useTestDatabase: afterAll hooks run in order, and the services stop first.
  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
  });
  const ctx = useTestDatabase('migrated');

  beforeAll(async () => {
    const { db } = ctx;
    await insertEvents(db.sql, 20_000, START, END);
    await installGate(db.sql);
  });

  it('finishes its running and its queued run after a restart, with correct data', async () => {
    const { db } = ctx;
    await setGate(db.sql, true); // the rebuild waits inside its transaction
    const killed = await startOn(db.url);
    services.push(killed);
    const running = await trigger(killed, 'volume-by-period');
    const first = await waitForStatus(db.sql, running, ['running']);
    const queued = await trigger(killed, 'status-counts'); // waits behind it (concurrency 1)
    expect((await runRow(db.sql, queued)).status).toBe('pending');

    expect(await killed.stop('SIGKILL')).toBe('SIGKILL');

    const restarted = await startOn(db.url);
    services.push(restarted);
    // The new process takes the running run over once the dead one's lease has expired...
    const takenOver = await waitFor('the takeover', async () => {
      const row = await runRow(db.sql, running);
      return row.attempts === 2 ? row : undefined;
    });
    expect(takenOver.locked_by).not.toBe(first.locked_by);
    await setGate(db.sql, false);

    // ...and both runs reach a final state with the data SQL says they should have.
    const done = await waitForStatus(db.sql, running, ['completed', 'failed'], 60_000);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await waitForStatus(db.sql, queued, ['completed', 'failed'], 60_000)).toMatchObject({
      status: 'completed',
      attempts: 1,
    });
    for (const report of ['volume-by-period', 'status-counts']) {
      expect(await storedRows(db.sql, report, 'day', START, END)).toEqual(
        await expectedRows(db.sql, report, 'day', START, END),
      );
    }
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS n FROM metric_snapshots WHERE run_id = $1`,
      [running],
    );
    expect(rows[0].n).toBe(done.summary!.rows_inserted);
    expect(done.summary).toMatchObject({ rows_deleted: 0, bucket_count: 30 });

    const res = await fetch(`${restarted.url}/api/v1/recomputations/${running}`, {
      headers: { 'x-management-key': MANAGEMENT_KEY },
    });
    expect(((await res.json()) as { data: { status: string } }).data.status).toBe('completed');

    // A graceful stop (Nest re-raises the signal once the app has closed).
    expect([0, 'SIGTERM']).toContain(await restarted.stop('SIGTERM'));
    expect(restarted.output()).toContain('recovering run');
    expect(restarted.output()).not.toContain(MANAGEMENT_KEY);
  });
});
