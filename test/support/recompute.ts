import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { MANAGEMENT_KEY } from './app.js';
import { dimensionOf } from './reports.js';
import type {
  RecomputeExecutor,
  RecomputeTask,
} from '../../src/recompute/executor/recompute-executor.js';

export const AUTH = { 'X-Management-Key': MANAGEMENT_KEY };

export const RUNS_URL = '/api/v1/recomputations';

/** Every report and window of the catalog, as `report/window`, sorted. */
export const SCOPE_NAMES = [
  'status-counts/day',
  'status-counts/week',
  'top-entities/day',
  'top-entities/week',
  'volume-by-period/day',
  'volume-by-period/week',
];

/** A valid body of `POST /recomputations` (a two-day status-counts run), with `overrides`. */
export function runBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    report_slug: 'status-counts',
    window: 'day',
    date_from: '2026-03-01',
    date_to: '2026-03-02',
    ...overrides,
  };
}

/** How often `waitFor` probes. */
const POLL_MS = 100;

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await sleep(POLL_MS);
  }
}

export interface RunRow {
  id: string;
  status: string;
  attempts: number;
  locked_by: string | null;
  error_message: string | null;
  summary: { rows_deleted: number; rows_inserted: number; bucket_count: number } | null;
}

export async function runRow(sql: pg.Pool, id: string): Promise<RunRow> {
  const { rows } = await sql.query(
    `SELECT id, status, attempts, locked_by, error_message, summary FROM recompute_runs WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** Waits until the run's status is one of `statuses`. */
export function waitForStatus(
  sql: pg.Pool,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<RunRow> {
  return waitFor(
    `run ${id} to be ${statuses.join('|')}`,
    async () => {
      const row = await runRow(sql, id);
      return row && statuses.includes(row.status) ? row : undefined;
    },
    timeoutMs,
  );
}

/**
 * Inserts `count` events spread over [from, to) (UTC instants), generated in SQL:
 * sources, statuses and entities vary with i.
 */
export async function insertEvents(
  sql: pg.Pool,
  count: number,
  from: string,
  to: string,
): Promise<void> {
  await sql.query(
    `INSERT INTO analytics_events
       (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
     SELECT src.id, $4 || '-' || i, 'entity-' || (i % 7), (ARRAY['success','failed','pending'])[i % 3 + 1],
            100, 100,
            $2::timestamptz + (($3::timestamptz - $2::timestamptz) * ((i - 1)::float8 / $1))
       FROM generate_series(1, $1::int) AS i
       JOIN event_sources src ON src.slug = (ARRAY['stripe','adyen','paypal'])[i % 3 + 1]`,
    [count, from, to, `e2e-${Math.random().toString(36).slice(2, 8)}`],
  );
}

/** A full, ordered dump of `metric_snapshots`, every column as text, for byte comparisons. */
export async function dumpSnapshots(sql: pg.Pool): Promise<string> {
  const { rows } = await sql.query(
    `SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '') AS dump
       FROM metric_snapshots t`,
  );
  return rows[0].dump;
}

/**
 * SQL truth: the snapshot rows (bucket, value, count) a report/window should hold for the
 * buckets from `start` (inclusive) to `end` (exclusive), computed straight from the events.
 */
export async function expectedRows(
  sql: pg.Pool,
  report: string,
  window: 'day' | 'week',
  start: string,
  end: string,
): Promise<string[]> {
  const dimension = dimensionOf(report).sql;
  const { rows } = await sql.query(
    `SELECT to_char(date_trunc($1, e.occurred_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            || ' ' || ${dimension} || ' ' || count(*) AS line
       FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
      WHERE e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz
      GROUP BY date_trunc($1, e.occurred_at, 'UTC'), ${dimension}
      ORDER BY 1`,
    [window, start, end],
  );
  return rows.map((row) => row.line);
}

/** The snapshot rows stored for a report/window in [start, end), in the same shape. */
export async function storedRows(
  sql: pg.Pool,
  report: string,
  window: 'day' | 'week',
  start: string,
  end: string,
): Promise<string[]> {
  const { rows } = await sql.query(
    `SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' ' || dimension_value
            || ' ' || metric_value AS line
       FROM metric_snapshots
      WHERE report_slug = $1 AND window_name = $2 AND metric_name = 'event_count'
        AND bucket_start >= $3::timestamptz AND bucket_start < $4::timestamptz
      ORDER BY 1`,
    [report, window, start, end],
  );
  return rows.map((row) => row.line);
}

/**
 * A test executor that keeps the tasks it accepts until the test runs them; `capacity` tasks at
 * most (0 refuses everything, as a full queue does).
 */
export class HoldingExecutor implements RecomputeExecutor {
  readonly tasks: RecomputeTask[] = [];

  constructor(public capacity = Number.POSITIVE_INFINITY) {}

  hasCapacity(): boolean {
    return this.tasks.length < this.capacity;
  }

  submit(task: RecomputeTask): boolean {
    if (!this.hasCapacity()) return false;
    this.tasks.push(task);
    return true;
  }

  withdraw(task: RecomputeTask): void {
    const at = this.tasks.indexOf(task);
    if (at >= 0) this.tasks.splice(at, 1);
  }

  /** Runs every held task now, in order. */
  async runAll(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task();
  }

  async drain(): Promise<void> {
    this.tasks.length = 0;
  }
}

/**
 * A gate inside the rebuild transaction: a BEFORE INSERT trigger on `metric_snapshots` that
 * waits while the gate is closed, so a test can hold a run in `running` as long as it likes.
 */
export async function installGate(sql: pg.Pool): Promise<void> {
  await sql.query(`
    CREATE TABLE IF NOT EXISTS test_gate (closed boolean NOT NULL);
    INSERT INTO test_gate SELECT false WHERE NOT EXISTS (SELECT 1 FROM test_gate);
    CREATE OR REPLACE FUNCTION test_gate_wait() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      WHILE (SELECT closed FROM test_gate LIMIT 1) LOOP
        PERFORM pg_sleep(0.05);
      END LOOP;
      RETURN NULL;
    END $$;
    DROP TRIGGER IF EXISTS test_gate_wait ON metric_snapshots;
    CREATE TRIGGER test_gate_wait BEFORE INSERT ON metric_snapshots
      FOR EACH STATEMENT EXECUTE FUNCTION test_gate_wait();`);
}

/**
 * Waits until a rebuild is held at the closed gate: it has started its INSERT … SELECT (so it
 * has read its snapshot of the events) and sleeps in the gate's trigger.
 */
export function waitAtGate(sql: pg.Pool): Promise<true> {
  return waitFor('a rebuild to wait at the gate', async () => {
    const { rows } = await sql.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event = 'PgSleep'
          AND query LIKE '%INSERT INTO metric_snapshots%'`,
    );
    return rows.length > 0 ? true : undefined;
  });
}

export async function setGate(sql: pg.Pool, closed: boolean): Promise<void> {
  await sql.query('UPDATE test_gate SET closed = $1', [closed]);
}
