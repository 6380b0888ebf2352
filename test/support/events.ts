import type pg from 'pg';
import { INGEST_KEY } from './app.js';

export const INGEST_AUTH = { 'X-Ingest-Key': INGEST_KEY };

export type ApiEvent = Record<string, unknown>;

/** An event as `POST /events` takes it; `n` varies the ref, source, status and time. */
export function newEvent(n: number, overrides: ApiEvent = {}): ApiEvent {
  return {
    external_ref: `t-${n}`,
    source: ['stripe', 'adyen', 'paypal'][n % 3],
    entity_id: `entity-${n % 5}`,
    status: ['success', 'failed', 'pending'][n % 3],
    processing_ms: 100 + n,
    amount_cents: 1000 + n,
    occurred_at: new Date(Date.UTC(2026, 9, 1 + (n % 10), n % 24, 30)).toISOString(),
    payload: { n, region: 'eu-west' },
    ...overrides,
  };
}

export function newEvents(count: number, first = 1, overrides: ApiEvent = {}): ApiEvent[] {
  return Array.from({ length: count }, (_, i) => newEvent(first + i, overrides));
}

/** The stored events, in the API's field names, ordered by ref. */
export async function storedEvents(sql: pg.Pool, refPrefix = ''): Promise<ApiEvent[]> {
  const { rows } = await sql.query(
    `SELECT e.external_ref, s.slug AS source, e.entity_id, e.status, e.processing_ms,
            e.amount_cents, to_char(e.occurred_at AT TIME ZONE 'UTC',
            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, e.payload
       FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
      WHERE starts_with(e.external_ref, $1)
      ORDER BY e.external_ref COLLATE "C"`,
    [refPrefix],
  );
  return rows;
}

export async function eventCount(sql: pg.Pool): Promise<number> {
  const { rows } = await sql.query('SELECT count(*)::int AS n FROM analytics_events');
  return rows[0].n;
}

/** Dirty marks as `report/window day` lines, sorted. */
export async function dirtyMarks(sql: pg.Pool): Promise<string[]> {
  const { rows } = await sql.query(
    `SELECT report_slug || '/' || window_name || ' ' || to_char(day, 'YYYY-MM-DD') AS line
       FROM snapshot_dirty_days ORDER BY 1`,
  );
  return rows.map((row) => row.line);
}
