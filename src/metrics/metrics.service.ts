import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REPORT_SLUGS } from '../snapshots/report-catalog.js';
import { RequestHistogram } from './request-histogram.js';

/** Request durations: cache hits take well under a millisecond, report reads up to seconds. */
const HTTP_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Rebuilds: a day takes milliseconds, a year of a large report minutes. */
const RUN_BUCKETS = [0.01, 0.05, 0.25, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Distinct `requested_by` values kept as labels; further requesters are counted as `other`. */
export const MAX_REQUESTER_LABELS = 50;
const MAX_LABEL_LENGTH = 64;

export type RunStatusLabel = 'pending' | 'running' | 'completed' | 'failed';

/** The results of `tally_events_ingested_total`. */
export const INGEST_RESULTS = ['accepted', 'duplicate', 'conflict', 'rejected'] as const;

/** The longest a scrape waits for one sampler (see `scrape`). */
export const SAMPLER_TIMEOUT_MS = 1000;

/**
 * The service's Prometheus metrics: one registry per process, served by `GET /metrics`.
 *
 * Each family is a field below, updated by the code that knows the fact (inject `Metrics`).
 * To add a family, declare it here: a name `tally_<what>_<unit>` (counters end in `_total`), a
 * help text, its label names (bounded values only: report slugs, windows, statuses; never ids or
 * free text) and `registers: [this.registry]`. A value that is read rather than counted (a pool
 * size, a lag computed in SQL) goes into a gauge set by a sampler: `addSampler(fn)` runs `fn`
 * before every scrape. Then describe it in docs/operations.md.
 */
@Injectable()
export class Metrics {
  private readonly logger = new Logger('Metrics');
  readonly registry = new Registry();

  readonly httpRequestDuration = new RequestHistogram(
    'tally_http_request_duration_seconds',
    'HTTP requests by method, route template and status, from routing to the last byte',
    HTTP_BUCKETS,
    this.registry,
  );

  readonly reportCacheRequests = new Counter({
    name: 'tally_report_cache_requests_total',
    help: 'Report runs by report and cache result (hit: served from the result cache)',
    labelNames: ['report', 'result'],
    registers: [this.registry],
  });

  readonly recomputeRuns = new Counter({
    name: 'tally_recompute_runs_total',
    help: 'Recompute runs reaching a status in this instance, by status and requester',
    labelNames: ['status', 'requested_by'],
    registers: [this.registry],
  });

  readonly recomputeRunDuration = new Histogram({
    name: 'tally_recompute_run_duration_seconds',
    help: 'Duration of recompute attempts in this instance, from claim to outcome',
    labelNames: ['report', 'window', 'status'],
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });

  readonly recomputeQueueDepth = new Gauge({
    name: 'tally_recompute_queue_depth',
    help: "Recompute runs waiting in this instance's executor queue",
    registers: [this.registry],
  });

  readonly recomputeRunning = new Gauge({
    name: 'tally_recompute_running_runs',
    help: 'Recompute runs executing in this instance',
    registers: [this.registry],
  });

  readonly eventsIngested = new Counter<'result'>({
    name: 'tally_events_ingested_total',
    help:
      'Events sent to POST /events by result: accepted (stored), duplicate (stored before, ' +
      'identical), conflict (stored before, other content), rejected (in a refused batch)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly dirtyDays = new Gauge({
    name: 'tally_dirty_days',
    help: 'Days (in retention) whose events changed since their buckets were rebuilt',
    labelNames: ['report', 'window'],
    registers: [this.registry],
  });

  readonly oldestDirtyAge = new Gauge({
    name: 'tally_oldest_dirty_age_seconds',
    help: 'How long the oldest dirty day of a report and window has waited (0 when clean)',
    labelNames: ['report', 'window'],
    registers: [this.registry],
  });

  readonly dbPoolConnections = new Gauge({
    name: 'tally_db_pool_connections',
    help: 'Open connections of a database pool (idle and in use)',
    labelNames: ['pool'],
    registers: [this.registry],
  });

  readonly dbPoolIdleConnections = new Gauge({
    name: 'tally_db_pool_idle_connections',
    help: 'Idle connections of a database pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });

  readonly dbPoolWaitingClients = new Gauge({
    name: 'tally_db_pool_waiting_clients',
    help: 'Queries waiting for a connection of a database pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });

  private readonly samplers: (() => void | Promise<void>)[] = [];
  private readonly cacheSeries = new Map<string, Counter.Internal>();
  private readonly requesters = new Set<string>();
  private defaultsCollected = false;
  /** Samplers started by a scrape and not finished yet. */
  private readonly runningSamplers = new Map<() => void | Promise<void>, Promise<void>>();

  /**
   * The counters whose label values are known (the catalog's reports) start at 0, so that
   * `rate()` and `increase()` also see their first event after a start (a series that appears
   * with 1 has no earlier sample to count from).
   */
  constructor() {
    for (const result of INGEST_RESULTS) this.eventsIngested.inc({ result }, 0);
    for (const report of REPORT_SLUGS) {
      for (const result of ['hit', 'miss']) this.reportCacheRequests.inc({ report, result }, 0);
    }
  }

  /** Adds the process and Node.js defaults (CPU, memory, event loop lag, GC, handles). */
  collectDefaults(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs `sample` before every scrape, to set gauges from state that is read, not counted. */
  addSampler(sample: () => void | Promise<void>): void {
    this.samplers.push(sample);
  }

  /**
   * The registry in Prometheus text format, after the samplers ran (a failing one is logged).
   * They run one after another, in the order they were added: a sampler that queries the
   * database does not show up in the pool gauges read before it. A sampler gets at most
   * SAMPLER_TIMEOUT_MS: a scrape must answer while the database does not (its 503s are what
   * an operator needs to see then), so a late sampler is left to finish in the background and
   * the scrape goes on without it.
   */
  async scrape(): Promise<string> {
    for (const sample of this.samplers) {
      // A sampler still running from an earlier scrape is not started again (no pile-up of
      // queries while the database does not answer); this scrape goes on without it.
      let running = this.runningSamplers.get(sample);
      if (!running) {
        running = Promise.resolve()
          .then(sample)
          .catch((error: unknown) => this.logger.warn(`a metrics sampler failed: ${String(error)}`))
          .finally(() => this.runningSamplers.delete(sample));
        this.runningSamplers.set(sample, running);
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), SAMPLER_TIMEOUT_MS).unref();
      });
      const outcome = await Promise.race([running, late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        this.logger.warn(
          `a metrics sampler took over ${SAMPLER_TIMEOUT_MS} ms; scraped without it`,
        );
      }
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One HTTP request (the hot path, see RequestHistogram). */
  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpRequestDuration.observe(method, route, statusCode, seconds);
  }

  /** One report run answered from the cache (hit) or from the snapshots (miss). */
  countReportCache(report: string, hit: boolean): void {
    const key = `${hit ? 'hit' : 'miss'} ${report}`;
    let series = this.cacheSeries.get(key);
    if (!series) {
      series = this.reportCacheRequests.labels(report, hit ? 'hit' : 'miss');
      this.cacheSeries.set(key, series);
    }
    series.inc();
  }

  /** A run reaching `status`; `requestedBy` is a label for the first MAX_REQUESTER_LABELS. */
  countRun(status: RunStatusLabel, requestedBy: string): void {
    this.recomputeRuns.labels(status, this.requesterLabel(requestedBy)).inc();
  }

  /** A finished rebuild attempt. */
  observeRun(
    report: string,
    window: string,
    status: 'completed' | 'failed',
    seconds: number,
  ): void {
    this.recomputeRunDuration.labels(report, window, status).observe(seconds);
  }

  private requesterLabel(requestedBy: string): string {
    const label = requestedBy.slice(0, MAX_LABEL_LENGTH);
    if (this.requesters.has(label)) return label;
    if (this.requesters.size >= MAX_REQUESTER_LABELS) return 'other';
    this.requesters.add(label);
    return label;
  }
}
