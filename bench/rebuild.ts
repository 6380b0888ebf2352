import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { EntityManager } from 'typeorm';
import { WINDOW_NAMES, type WindowName } from '../src/database/entities/index.js';
import { bucketRange } from '../src/snapshots/bucket-range.js';
import { REPORT_SLUGS, type ReportSlug } from '../src/snapshots/report-catalog.js';
import { parseChangeNotice, SNAPSHOTS_CHANNEL } from '../src/snapshots/snapshot-changes.js';
import { SnapshotsRepository } from '../src/snapshots/snapshots.repository.js';
import { median } from './stats.js';

export interface RebuildScope {
  reportSlug: ReportSlug;
  window: WindowName;
  dateFrom: string;
  dateTo: string;
}

export interface ScopeTiming {
  report_slug: string;
  window: WindowName;
  rows_inserted: number;
  /**
   * Service time of this run as the bench saw it: its completion minus the previous run's
   * (the first: minus the moment the triggers were sent). Meaningful with
   * RECOMPUTE_CONCURRENCY=1, where runs execute one after another; ± the poll interval.
   */
  service_ms: number;
  /** The same delete + insert transaction over one direct connection, ms. */
  sql_ms: number;
}

export interface RebuildResult {
  scopes: number;
  date_from: string;
  date_to: string;
  rounds: number;
  recompute_concurrency: number;
  /** How often the bench polls the oldest unfinished run, ms. */
  poll_ms: number;
  /** Median wall time, first trigger sent → last run seen completed, ms. */
  service_ms: number;
  /** Median time of the six delete + insert transactions run one after another, ms. */
  sql_ms: number;
  ratio: number;
  /** Every round, for judging the spread. */
  service_ms_rounds: number[];
  sql_ms_rounds: number[];
  /** Per scope, from the last round. */
  runs: ScopeTiming[];
  incremental: IncrementalResult;
}

export interface IncrementalResult {
  report_slug: string;
  window: WindowName;
  day: string;
  repetitions: number;
  /** Median, trigger sent → the run's commit seen (its change notice delivered), ms. */
  service_ms: number;
  sql_ms: number;
  ratio: number;
  /** Median, trigger sent → the run seen completed by polling its status every 2 ms. */
  polled_ms: number;
  polled_ratio: number;
}

export interface ServiceApi {
  url: string;
  managementKey: string;
}

interface RunBody {
  id: string;
  status: string;
  error_message: string | null;
}

const FULL_POLL_MS = 25;
const INCREMENTAL_POLL_MS = 2;
const INCREMENTAL_REPETITIONS = 7;
const round1 = (value: number) => Math.round(value * 10) / 10;
/** The origin the direct side names in its change notices. */
const DIRECT_ORIGIN = 'bench-sql';

/**
 * Sees a service rebuild commit from outside: the rebuild sends its change notice (NOTIFY on
 * SNAPSHOTS_CHANNEL) inside its transaction and PostgreSQL delivers it at the commit, the
 * moment readers see the new snapshots. Unlike polling, this neither loads the service nor
 * adds a poll interval to what is measured.
 */
class CommitWatcher {
  private waiting: ((at: number) => void) | undefined;

  private constructor(private readonly client: pg.Client) {
    client.on('notification', (message) => {
      if (parseChangeNotice(message.payload ?? '').origin === DIRECT_ORIGIN) return;
      this.waiting?.(performance.now());
      this.waiting = undefined;
    });
  }

  static async connect(url: string): Promise<CommitWatcher> {
    const client = new pg.Client({ connectionString: url, application_name: 'tally-bench-watch' });
    await client.connect();
    await client.query(`LISTEN ${SNAPSHOTS_CHANNEL}`);
    return new CommitWatcher(client);
  }

  /** When the next service rebuild commits (performance.now()). */
  nextCommit(): Promise<number> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

/**
 * The direct side: exactly the statements the service's rebuild runs, taken from
 * SnapshotsRepository (the repository only needs `query(sql, params) → rows` from its manager),
 * in one transaction per scope over one connection.
 */
export class DirectSql {
  private readonly repository = new SnapshotsRepository();

  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<DirectSql> {
    const client = new pg.Client({ connectionString: url, application_name: 'tally-bench-sql' });
    await client.connect();
    return new DirectSql(client);
  }

  private get manager(): EntityManager {
    const client = this.client;
    return {
      query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    } as unknown as EntityManager;
  }

  /** Vacuums the snapshot table (the deletes leave dead rows) so each side starts alike. */
  async settle(): Promise<void> {
    await this.client.query('VACUUM (ANALYZE) metric_snapshots');
    await this.client.query('CHECKPOINT').catch(() => undefined); // needs a privileged role
  }

  /** One rebuild transaction; returns [ms, rows inserted]. */
  async rebuild(scope: RebuildScope): Promise<[number, number]> {
    // The service stores its run's id in run_id; a real run row keeps the foreign key check alike.
    const { rows } = await this.client.query<{ id: string }>(
      `INSERT INTO recompute_runs (report_slug, window_name, date_from, date_to, requested_by,
                                   status, started_at, finished_at)
       VALUES ($1, $2, $3, $4, 'bench-sql', 'completed', now(), now()) RETURNING id`,
      [scope.reportSlug, scope.window, scope.dateFrom, scope.dateTo],
    );
    const range = bucketRange(scope.window, scope.dateFrom, scope.dateTo);
    const target = {
      reportSlug: scope.reportSlug,
      window: scope.window,
      ...range,
      runId: rows[0].id,
    };
    const started = performance.now();
    await this.client.query('BEGIN');
    try {
      await this.repository.deleteRange(this.manager, target);
      const inserted = await this.repository.insertRange(this.manager, target);
      await this.repository.clearDirtyDays(this.manager, target, inserted.snapshot, {
        channel: SNAPSHOTS_CHANNEL,
        payload: `${scope.reportSlug} ${DIRECT_ORIGIN}`,
      });
      await this.client.query('COMMIT');
      return [performance.now() - started, inserted.count];
    } catch (error) {
      await this.client.query('ROLLBACK');
      throw error;
    }
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

export async function api<T>(
  service: ServiceApi,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${service.url}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-management-key': service.managementKey,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

/** `POST /recomputations` of one scope; the run as created. */
function trigger(service: ServiceApi, scope: RebuildScope): Promise<RunBody> {
  return api<RunBody>(service, 'POST', '/recomputations', {
    report_slug: scope.reportSlug,
    window: scope.window,
    date_from: scope.dateFrom,
    date_to: scope.dateTo,
    requested_by: 'bench',
  });
}

/**
 * The service side: triggers every scope through `POST /recomputations`, then polls
 * `GET /recomputations/{id}` for the oldest unfinished run only (polling must not load the
 * machine it measures). Returns the wall time and, per run, the time since the previous
 * completion. Timed from the outside, not from the runs' own timestamps, so that everything
 * the service does for a run is inside the measurement.
 */
async function throughService(
  service: ServiceApi,
  scopes: RebuildScope[],
  pollMs: number,
): Promise<[number, number[]]> {
  const started = performance.now();
  const triggered: RunBody[] = [];
  for (const scope of scopes) triggered.push(await trigger(service, scope));
  const perRun = await waitForRuns(service, triggered, pollMs);
  return [performance.now() - started, perRun];
}

/**
 * Polls the runs in order, each until it completes (only the oldest unfinished one, so polling
 * does not load the machine it measures); returns, per run, the time since the previous one
 * completed (the first: since the call). Throws when a run fails.
 */
export async function waitForRuns(
  service: ServiceApi,
  runs: readonly { id: string }[],
  pollMs: number,
): Promise<number[]> {
  const perRun: number[] = [];
  let previous = performance.now();
  for (const run of runs) {
    for (;;) {
      const current = await api<RunBody>(service, 'GET', `/recomputations/${run.id}`);
      if (current.status === 'failed') {
        throw new Error(`recompute run ${run.id} failed: ${current.error_message}`);
      }
      if (current.status === 'completed') {
        const now = performance.now();
        perRun.push(now - previous);
        previous = now;
        break;
      }
      await sleep(pollMs);
    }
  }
  return perRun;
}

/**
 * One day of one scope, `INCREMENTAL_REPETITIONS` times each: through the service timed to its
 * commit (nothing else asked of the service meanwhile), through the service timed to the status
 * poll seeing it completed, and as direct SQL; medians.
 */
async function incrementalCase(
  dbUrl: string,
  service: ServiceApi,
  sql: DirectSql,
  scope: RebuildScope,
): Promise<IncrementalResult> {
  const committed: number[] = [];
  const polled: number[] = [];
  const direct: number[] = [];
  const watcher = await CommitWatcher.connect(dbUrl);
  try {
    await sql.settle();
    for (let i = 0; i < INCREMENTAL_REPETITIONS; i += 1) {
      const commit = watcher.nextCommit();
      const started = performance.now();
      const run = await trigger(service, scope);
      committed.push((await commit) - started);
      await waitForRuns(service, [run], INCREMENTAL_POLL_MS); // untimed: it did complete
      polled.push((await throughService(service, [scope], INCREMENTAL_POLL_MS))[0]);
      direct.push((await sql.rebuild(scope))[0]);
    }
  } finally {
    await watcher.end();
  }
  const [serviceMs, polledMs, sqlMs] = [median(committed), median(polled), median(direct)];
  return {
    report_slug: scope.reportSlug,
    window: scope.window,
    day: scope.dateFrom,
    repetitions: INCREMENTAL_REPETITIONS,
    service_ms: round1(serviceMs),
    sql_ms: round1(sqlMs),
    ratio: Math.round((serviceMs / sqlMs) * 100) / 100,
    polled_ms: round1(polledMs),
    polled_ratio: Math.round((polledMs / sqlMs) * 100) / 100,
  };
}

/** Rebuild phase: the 6 full-year scopes both ways, then the incremental case. */
export async function rebuildPhase(
  dbUrl: string,
  service: ServiceApi,
  options: { dateFrom: string; dateTo: string; rounds: number; recomputeConcurrency: number },
  log: (message: string) => void,
): Promise<RebuildResult> {
  const scopes: RebuildScope[] = REPORT_SLUGS.flatMap((reportSlug) =>
    WINDOW_NAMES.map((window) => ({
      reportSlug,
      window,
      dateFrom: options.dateFrom,
      dateTo: options.dateTo,
    })),
  );
  const sql = await DirectSql.connect(dbUrl);
  try {
    // Untimed: the first rebuild creates the snapshots; every timed one replaces them.
    for (const scope of scopes) await sql.rebuild(scope);
    const serviceRounds: number[] = [];
    const sqlRounds: number[] = [];
    let runs: ScopeTiming[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      // Alternate which side goes first, so neither always meets the warmer cache.
      const order = round % 2 === 1 ? ['service', 'sql'] : ['sql', 'service'];
      let serviceRuns: number[] = [];
      const sqlTimes: [number, number][] = [];
      for (const side of order) {
        await sql.settle();
        if (side === 'service') {
          const [wall, perRun] = await throughService(service, scopes, FULL_POLL_MS);
          serviceRounds.push(wall);
          serviceRuns = perRun;
        } else {
          for (const scope of scopes) sqlTimes.push(await sql.rebuild(scope));
          sqlRounds.push(sqlTimes.reduce((sum, [ms]) => sum + ms, 0));
        }
      }
      runs = scopes.map((scope, i) => ({
        report_slug: scope.reportSlug,
        window: scope.window,
        rows_inserted: sqlTimes[i][1],
        service_ms: round1(serviceRuns[i]),
        sql_ms: round1(sqlTimes[i][0]),
      }));
      log(
        `  round ${round}/${options.rounds}: service ${Math.round(serviceRounds.at(-1)!)} ms, ` +
          `sql ${Math.round(sqlRounds.at(-1)!)} ms`,
      );
    }

    const day = options.dateTo;
    const incrementalScope: RebuildScope = {
      reportSlug: 'volume-by-period',
      window: 'day',
      dateFrom: day,
      dateTo: day,
    };
    const incremental = await incrementalCase(dbUrl, service, sql, incrementalScope);
    const serviceMs = median(serviceRounds);
    const sqlMs = median(sqlRounds);
    return {
      scopes: scopes.length,
      date_from: options.dateFrom,
      date_to: options.dateTo,
      rounds: options.rounds,
      recompute_concurrency: options.recomputeConcurrency,
      poll_ms: FULL_POLL_MS,
      service_ms: round1(serviceMs),
      sql_ms: round1(sqlMs),
      ratio: Math.round((serviceMs / sqlMs) * 100) / 100,
      service_ms_rounds: serviceRounds.map(round1),
      sql_ms_rounds: sqlRounds.map(round1),
      runs,
      incremental,
    };
  } finally {
    await sql.end();
  }
}
