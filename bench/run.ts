import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import pg from 'pg';
import { loadEvents } from './data.js';
import { createBenchDatabase, migrate, withClient, type BenchDatabase } from './database.js';
import { tableSizes } from './memory.js';
import {
  DEFAULT_EVENTS,
  parseOptions,
  QUICK_EVENTS,
  UsageError,
  type BenchOptions,
} from './options.js';
import {
  formatResults,
  writeResults,
  type BenchResults,
  type MemoryResult,
  type Target,
} from './output.js';
import { HEALTH, killAll, SERVICE_MAIN, startServer } from './processes.js';
import { readPhases } from './read-phases.js';
import { readMix } from './reads.js';
import { freshnessPhase } from './freshness.js';
import { ingestPhase } from './ingest.js';
import { rebuildPhase } from './rebuild.js';
import { ratio } from './stats.js';

/** The scheduler's tick in the freshness phase (the latency it reports includes up to one). */
const FRESHNESS_TICK_S = 5;

const RATE_LIMIT_VARIABLES = [
  'RATE_LIMIT_PUBLIC',
  'RATE_LIMIT_MANAGEMENT',
  'RATE_LIMIT_INGEST',
  'RATE_LIMIT_AUTH_FAILURES',
];
const UNREACHED_LIMIT = '1000000000';

const startedAt = performance.now();

function log(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) {
  return withClient(url, async (client) => (await client.query<T>(text, params)).rows);
}

function targets(results: Omit<BenchResults, 'targets' | 'total_s'>, totalS: number): Target[] {
  const check = (name: string, goal: string, value: number | null, ok: (v: number) => boolean) => ({
    name,
    goal,
    value,
    met: value == null ? null : ok(value),
  });
  const sizeTarget =
    results.events === DEFAULT_EVENTS ? 600 : results.events === QUICK_EVENTS ? 120 : null;
  return [
    check('rebuild service / direct SQL', '≤ 1.15', results.rebuild.ratio, (v) => v <= 1.15),
    check(
      'cache-off reads: rps (a)/(b)',
      '≥ 0.90',
      results.reads.ratios.no_cache_rps,
      (v) => v >= 0.9,
    ),
    check(
      'cache-off reads: p99 (a)/(b)',
      '≤ 1.50',
      results.reads.ratios.no_cache_p99,
      (v) => v <= 1.5,
    ),
    check(
      'cache-hit reads: rps (c)/(d)',
      '≥ 0.75',
      results.reads.ratios.cache_rps,
      (v) => v >= 0.75,
    ),
    check(
      'incremental one-day rebuild, service / direct SQL',
      '≤ 2.00',
      results.rebuild.incremental.ratio,
      (v) => v <= 2,
    ),
    check(
      'scheduled refresh of 1,000 late events, service / direct SQL',
      '≤ 1.30',
      results.freshness.ratio,
      (v) => v <= 1.3,
    ),
    check(
      'scheduled refresh ÷ full-year rebuild',
      '≤ 0.05',
      results.freshness.share_of_full_rebuild,
      (v) => v <= 0.05,
    ),
    check(
      'ingestion: POST /events ÷ COPY, events/s',
      '≥ 0.50',
      results.ingest.api.ratio,
      (v) => v >= 0.5,
    ),
    check(
      'ingestion: npm run import ÷ COPY, events/s',
      '≥ 0.80',
      results.ingest.import.ratio,
      (v) => v >= 0.8,
    ),
    check('importer peak RSS, MB', '≤ 150', results.ingest.import.rss_peak_mb, (v) => v <= 150),
    check(
      `service peak RSS, MB${results.events === DEFAULT_EVENTS ? '' : ' (goal set for 1M events)'}`,
      '≤ 250',
      results.memory.service_rss_peak_mb,
      (v) => v <= 250,
    ),
    check(
      'whole run, s',
      sizeTarget == null ? 'default ≤ 600, quick ≤ 120' : `≤ ${sizeTarget}`,
      Math.round(totalS),
      (v) => sizeTarget == null || v <= sizeTarget,
    ),
  ];
}

async function bench(options: BenchOptions, db: BenchDatabase): Promise<BenchResults> {
  const loadAverage = Math.round(loadavg()[0] * 100) / 100;
  log(`fresh database ${db.name} on ${db.server}; applying migrations`);
  await migrate(db.url);
  // The rebuild phase rebuilds the whole year of every window: every window keeps it.
  await sql(db.url, 'UPDATE aggregate_windows SET retention_days = greatest(retention_days, 366)');

  log(
    `loading ${options.events.toLocaleString('en-US')} events over 365 days (SQL generate_series)`,
  );
  const data = await loadEvents(db.url, options.events, new Date(), log);
  log(
    `loaded ${data.events.toLocaleString('en-US')} events in ${(data.load_ms / 1000).toFixed(1)} s ` +
      `(${data.sources} sources, ${data.entities} entities, ${data.firstDay}..${data.lastDay})`,
  );
  const [{ server_version: version }] = await sql<{ server_version: string }>(
    db.url,
    'SHOW server_version',
  );
  const ttls = await sql<{ slug: string; cache_ttl_seconds: number }>(
    db.url,
    'SELECT slug, cache_ttl_seconds FROM report_definitions',
  );

  const managementKey = randomBytes(18).toString('base64url');
  const ingestKey = randomBytes(18).toString('base64url');
  /**
   * The service as deployed: metrics on, one access line per request (LOG_LEVEL=log) and the
   * rate limiter counting every request (limits no phase reaches, so it never refuses one).
   */
  const serviceEnv: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    APP_AUTO_MIGRATE: 'true',
    APP_AUTO_SEED: 'false',
    MANAGEMENT_API_KEY: managementKey,
    INGEST_API_KEY: ingestKey,
    LOG_LEVEL: 'log',
    LOG_FORMAT: 'json',
    METRICS_ENABLED: 'true',
    ...Object.fromEntries(RATE_LIMIT_VARIABLES.map((name) => [name, UNREACHED_LIMIT])),
    DATABASE_POOL_SIZE: String(options.pool),
    RECOMPUTE_CONCURRENCY: String(options.recomputeConcurrency),
    // The scheduler runs only in the freshness phase; the others measure one thing each.
    REFRESH_ENABLED: 'false',
  };
  const baselineEnv = (mode: 'query' | 'precomputed') => ({
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(options.pool),
    BASELINE_MODE: mode,
  });

  /** Every report's cache TTL set to `seconds`, or back to its configured one. */
  const setCacheTtls = async (seconds?: number) => {
    for (const { slug, cache_ttl_seconds } of ttls) {
      await sql(db.url, 'UPDATE report_definitions SET cache_ttl_seconds = $2 WHERE slug = $1', [
        slug,
        seconds ?? cache_ttl_seconds,
      ]);
    }
  };
  // Phase (a) needs the report cache off: a TTL of 0 stores nothing. The service also reads
  // the definitions only every few seconds, so each cache setting gets a fresh process.
  await setCacheTtls(0);
  log('starting the service (report cache off)');
  const service = await startServer('service', SERVICE_MAIN, serviceEnv, HEALTH);

  log('rebuild phase: the service vs the same SQL over one connection');
  const rebuild = await rebuildPhase(
    db.url,
    { url: service.url, managementKey },
    {
      dateFrom: data.firstDay,
      dateTo: data.lastDay,
      rounds: options.rounds,
      recomputeConcurrency: options.recomputeConcurrency,
    },
    log,
  );
  log(
    `rebuild: service ${Math.round(rebuild.service_ms)} ms, SQL ${Math.round(rebuild.sql_ms)} ms ` +
      `(×${rebuild.ratio}); incremental ${rebuild.incremental.service_ms} ms vs ` +
      `${rebuild.incremental.sql_ms} ms`,
  );
  // The rebuild rounds leave dead rows behind; reads and sizes should see the table as a
  // single rebuild leaves it.
  await sql(db.url, 'VACUUM (FULL, ANALYZE) metric_snapshots');
  const tables = await tableSizes(db.url, ['analytics_events', 'metric_snapshots']);

  const { reads, memory: phases } = await readPhases(
    {
      service,
      serviceEnv,
      rateLimitVariables: RATE_LIMIT_VARIABLES,
      baselineEnv,
      databaseUrl: db.url,
      setCacheTtls,
      mix: readMix(data.lastDay),
    },
    options,
    log,
  );

  log('freshness phase: 1,000 late events, the scheduled refresh vs direct SQL');
  const refreshing = await startServer(
    'service',
    SERVICE_MAIN,
    { ...serviceEnv, REFRESH_ENABLED: 'true', REFRESH_TICK_SECONDS: String(FRESHNESS_TICK_S) },
    HEALTH,
  );
  const freshness = await freshnessPhase(
    db.url,
    { url: refreshing.url, managementKey, ingestKey },
    {
      lastDay: data.lastDay,
      fullRebuildServiceMs: rebuild.service_ms,
      tickSeconds: FRESHNESS_TICK_S,
      latency: options.latency,
    },
    log,
  );
  await refreshing.stop();

  // Last, as it empties analytics_events: every side starts from an empty table.
  log('ingestion phase: direct COPY vs POST /events vs npm run import, same rows');
  const ingester = await startServer('service', SERVICE_MAIN, serviceEnv, HEALTH);
  const ingest = await ingestPhase(db.url, { url: ingester.url, ingestKey }, options.events, log);
  await ingester.stop();

  const { a, b, c } = phases;
  const peaks = [a.peak, c.peak].filter((value): value is number => value != null);
  const memory: MemoryResult = {
    service_rss_peak_mb: peaks.length > 0 ? Math.max(...peaks) : null,
    service_rss_peak_no_cache_mb: a.peak,
    service_rss_peak_cache_mb: c.peak,
    service_rss_after_mb: c.after,
    service_rss_after_no_cache_mb: a.after,
    service_hwm_mb: c.hwm,
    baseline_rss_peak_mb: b.peak,
    tables,
    snapshots_to_events: ratio(tables.metric_snapshots.total_mb, tables.analytics_events.total_mb),
  };
  const cpuList = cpus();
  const partial = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpuList.length,
      cpu_model: cpuList[0]?.model.trim() ?? 'unknown',
      memory_gb: Math.round(totalmem() / 1024 ** 3),
      os: `${type()} ${release()}`,
      arch: process.arch,
      load_average_start: loadAverage,
    },
    node: process.version,
    postgres: version,
    database_server: db.server,
    events: options.events,
    options: {
      duration_s: options.duration,
      warmup_s: options.warmup,
      connections: options.connections,
      pool: options.pool,
      rounds: options.rounds,
      recompute_concurrency: options.recomputeConcurrency,
    },
    data,
    rebuild,
    reads,
    memory,
    freshness,
    ingest,
  };
  const totalS = Math.round((performance.now() - startedAt) / 100) / 10;
  return { ...partial, targets: targets(partial, totalS), total_s: totalS };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    return 2;
  }
  let db: BenchDatabase | undefined;
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping, dropping the bench database`);
    killAll();
    void (db?.dispose() ?? Promise.resolve())
      .catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    db = await createBenchDatabase(options.databaseUrl, log);
    const results = await bench(options, db);
    await writeResults(options.out, results);
    console.log(`\n${formatResults(results)}\nresults: ${options.out}`);
    return 0;
  } finally {
    killAll();
    await db?.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
