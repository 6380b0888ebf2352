import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowName } from '../src/database/entities/index.js';
import type { ReportSlug } from '../src/snapshots/report-catalog.js';
import { withClient } from './database.js';
import { DirectSql, api, waitForRuns, type ServiceApi } from './rebuild.js';
import { ratio } from './stats.js';

const DAY_MS = 86_400_000;
export const LATE_EVENTS = 1000;
export const LATE_DAYS = 7;
const POLL_MS = 5;

export interface FreshnessResult {
  late_events: number;
  late_days: number;
  /** The runs POST /refresh created: one per report and window (merged ranges). */
  runs: { report_slug: string; window: WindowName; date_from: string; date_to: string }[];
  /** POST /refresh → every run seen completed, ms. */
  service_ms: number;
  /** The same rebuilds as direct SQL, one after another on one connection, ms. */
  sql_ms: number;
  /** service_ms ÷ sql_ms: goal ≤ 1.3. */
  ratio: number | null;
  /** service_ms ÷ the service's full-year rebuild of all six scopes: goal ≤ 0.05. */
  share_of_full_rebuild: number | null;
  /**
   * With refresh intervals of 1 minute and the scheduler ticking every `tick_s`: from the
   * ingestion of a late event to a report run (cache on) that counts it, ms.
   */
  latency: { interval_minutes: number; tick_s: number; ms: number } | null;
}

interface RunBody {
  id: string;
  report_slug: string;
  window: WindowName;
  date_from: string;
  date_to: string;
}

/** `LATE_EVENTS` late events over the `LATE_DAYS` days ending ten days before `lastDay`. */
function lateBatch(lastDay: string, prefix: string, count: number) {
  const end = Date.parse(`${lastDay}T00:00:00Z`) - 10 * DAY_MS;
  return Array.from({ length: count }, (_, i) => ({
    external_ref: `${prefix}-${i}`,
    source: ['stripe', 'adyen', 'paypal'][i % 3],
    entity_id: `entity-${i % 500}`,
    status: i % 5 === 0 ? 'failed' : 'success',
    processing_ms: 100 + i,
    amount_cents: 1000 + i,
    occurred_at: new Date(end - (i * LATE_DAYS * DAY_MS) / count - 1000).toISOString(),
  }));
}

async function ingest(service: ServiceApi & { ingestKey: string }, events: unknown[]) {
  const response = await fetch(`${service.url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ingest-key': service.ingestKey },
    body: JSON.stringify({ events }),
  });
  if (!response.ok) throw new Error(`POST /events → ${response.status}: ${await response.text()}`);
}

/**
 * The freshness phase: 1,000 late events over 7 days, then the refresh of the six scopes the
 * service schedules (`POST /refresh`, the scheduler's own round) against the same rebuilds as
 * direct SQL and against the full-year rebuild; then the time a late event takes to reach a
 * report when the windows refresh every minute.
 */
export async function freshnessPhase(
  dbUrl: string,
  service: ServiceApi & { ingestKey: string },
  options: {
    lastDay: string;
    fullRebuildServiceMs: number;
    tickSeconds: number;
    latency: boolean;
  },
  log: (message: string) => void,
): Promise<FreshnessResult> {
  // Untimed: a first batch and its refresh bring the pages of those days into the cache, so
  // the timed refresh below meets the cache the direct side after it meets.
  await ingest(service, lateBatch(options.lastDay, 'warm-up', LATE_EVENTS));
  await waitForRuns(service, await api<RunBody[]>(service, 'POST', '/refresh'), POLL_MS);
  await ingest(service, lateBatch(options.lastDay, 'late', LATE_EVENTS));

  const sql = await DirectSql.connect(dbUrl);
  let serviceMs: number;
  let sqlMs = 0;
  let runs: RunBody[];
  try {
    await sql.settle();
    const started = performance.now();
    runs = await api<RunBody[]>(service, 'POST', '/refresh');
    await waitForRuns(service, runs, POLL_MS);
    serviceMs = performance.now() - started;
    log(`  POST /refresh: ${runs.length} runs in ${Math.round(serviceMs)} ms`);

    await sql.settle();
    for (const run of runs) {
      const [ms] = await sql.rebuild({
        reportSlug: run.report_slug as ReportSlug,
        window: run.window,
        dateFrom: run.date_from,
        dateTo: run.date_to,
      });
      sqlMs += ms;
    }
  } finally {
    await sql.end();
  }
  log(`  the same rebuilds as direct SQL: ${Math.round(sqlMs)} ms`);

  const latencyMs = options.latency ? await latency(dbUrl, service, options.lastDay) : undefined;
  if (latencyMs !== undefined) {
    log(`  late event → fresh report (1-minute interval): ${(latencyMs / 1000).toFixed(1)} s`);
  }
  return {
    late_events: LATE_EVENTS,
    late_days: LATE_DAYS,
    runs: runs.map(({ report_slug, window, date_from, date_to }) => ({
      report_slug,
      window,
      date_from,
      date_to,
    })),
    service_ms: Math.round(serviceMs),
    sql_ms: Math.round(sqlMs),
    ratio: ratio(serviceMs, sqlMs),
    share_of_full_rebuild: ratio(serviceMs, options.fullRebuildServiceMs),
    latency:
      latencyMs === undefined
        ? null
        : { interval_minutes: 1, tick_s: options.tickSeconds, ms: Math.round(latencyMs) },
  };
}

/** Ingests one late event and polls a report that counts it until it does. */
async function latency(
  dbUrl: string,
  service: ServiceApi & { ingestKey: string },
  lastDay: string,
): Promise<number> {
  await withClient(dbUrl, (client) =>
    client.query('UPDATE aggregate_windows SET refresh_interval_minutes = 1'),
  );
  const [event] = lateBatch(lastDay, 'latency', 1);
  const day = event.occurred_at.slice(0, 10);
  const url = `${service.url}/api/v1/reports/volume-by-period/run?date_from=${day}&date_to=${day}`;
  const count = async () => {
    const body = (await (await fetch(url)).json()) as { data: { rows: { event_count: number }[] } };
    return body.data.rows.reduce((sum, row) => sum + row.event_count, 0);
  };
  const before = await count();
  const started = performance.now();
  await ingest(service, [event]);
  const deadline = started + 5 * 60_000;
  while ((await count()) !== before + 1) {
    if (performance.now() > deadline) throw new Error('the late event never reached the report');
    await sleep(200);
  }
  return performance.now() - started;
}
