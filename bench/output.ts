import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedData } from './data.js';
import type { FreshnessResult } from './freshness.js';
import type { IngestResult } from './ingest.js';
import type { TableSize } from './memory.js';
import type { LoadResult } from './reads.js';
import type { RebuildResult } from './rebuild.js';

export interface Target {
  name: string;
  /** e.g. "≤ 1.15" */
  goal: string;
  value: number | null;
  met: boolean | null;
}

/** A cache-hit phase with parts of the service's observability switched off. */
export interface ObservabilityVariant {
  variant: string;
  /** The environment that differs from phase (c). */
  env: Record<string, string>;
  result: LoadResult;
  /** requests/s against (d), like (c)/(d). */
  ratio_rps: number | null;
  /** CPU per request of (d) / this phase's, like `ratios.cache_cpu`. */
  ratio_cpu: number | null;
}

export interface ReadsResult {
  mix: string[];
  connections: number;
  duration_s: number;
  warmup_s: number;
  pool_size: number;
  /** The baseline answered every URL of the mix exactly as the service (timings aside). */
  identical: boolean;
  differences: { path: string; service: unknown; baseline: unknown }[];
  /** A request of the mix answered from the service's cache during phase (c). */
  cache_hit_seen: boolean;
  service_no_cache: LoadResult;
  baseline: LoadResult;
  service_cache: LoadResult;
  baseline_precomputed: LoadResult;
  /** (c) again with metrics, the access log and the rate limits switched off, part by part. */
  cache_variants: ObservabilityVariant[];
  ratios: {
    /** (a)/(b) requests/s: ≥ 0.9 is the target. */
    no_cache_rps: number | null;
    /** (a)/(b) p99: ≤ 1.5 is the target. */
    no_cache_p99: number | null;
    /** (c)/(d) requests/s: ≥ 0.75 is the target. */
    cache_rps: number | null;
    /** (c)/(d) p99, for information. */
    cache_p99: number | null;
    /** (b)/(a) CPU µs per request: requests per CPU second against the baseline's. */
    no_cache_cpu: number | null;
    /** (d)/(c) CPU µs per request: the cache-hit ratio with the machine's noise taken out. */
    cache_cpu: number | null;
  };
}

export interface MemoryResult {
  /** Peak sampled RSS of the service during read phase (a) and (c), MB. */
  service_rss_peak_mb: number | null;
  service_rss_peak_no_cache_mb: number | null;
  service_rss_peak_cache_mb: number | null;
  /** RSS two seconds after the load of phase (c) ended, MB. */
  service_rss_after_mb: number | null;
  service_rss_after_no_cache_mb: number | null;
  /** The kernel's high-water mark (VmHWM) of the cache-on service process, MB. */
  service_hwm_mb: number | null;
  /** Peak RSS of the bare baseline in query mode, for comparison, MB. */
  baseline_rss_peak_mb: number | null;
  tables: Record<string, TableSize>;
  /** metric_snapshots total size / analytics_events total size. */
  snapshots_to_events: number | null;
}

export interface BenchResults {
  date: string;
  machine: {
    cpus: number;
    cpu_model: string;
    memory_gb: number;
    os: string;
    arch: string;
    /** 1-minute load average when the run started (a busy machine skews every number). */
    load_average_start: number;
  };
  node: string;
  postgres: string;
  database_server: string;
  events: number;
  options: Record<string, unknown>;
  data: LoadedData;
  rebuild: RebuildResult;
  reads: ReadsResult;
  memory: MemoryResult;
  freshness: FreshnessResult;
  ingest: IngestResult;
  targets: Target[];
  total_s: number;
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(results, null, 2) + '\n');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row, index) => {
      const line = row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
        )
        .join('  ');
      return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const num = (value: number | null | undefined, digits = 0) =>
  value == null || !Number.isFinite(value)
    ? 'n/a'
    : value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
const times = (value: number | null) => (value == null ? 'n/a' : `${value.toFixed(2)}×`);

/** The human summary printed at the end of a run. */
export function formatResults(r: BenchResults): string {
  const out: string[] = [];
  out.push(
    `Tally benchmark — ${r.date}`,
    `machine: ${r.machine.cpus} CPU (${r.machine.cpu_model}), ${r.machine.memory_gb} GB, ` +
      `${r.machine.os}; load average at start ${r.machine.load_average_start}`,
    `node ${r.node}, PostgreSQL ${r.postgres} (${r.database_server})`,
    `data: ${num(r.events)} events, ${r.data.sources} sources, ${num(r.data.entities)} entities, ` +
      `${r.data.firstDay}..${r.data.lastDay}; loaded in ${num(r.data.load_ms / 1000, 1)} s ` +
      `(indexes ${num(r.data.index_ms / 1000, 1)} s, vacuum ${num(r.data.vacuum_ms / 1000, 1)} s)`,
    '',
  );

  const rb = r.rebuild;
  out.push(
    `Rebuild: ${rb.scopes} scopes (3 reports × 2 windows) over ${rb.date_from}..${rb.date_to}, ` +
      `median of ${rb.rounds} round(s), RECOMPUTE_CONCURRENCY=${rb.recompute_concurrency}`,
    table([
      ['case', 'service ms', 'direct SQL ms', 'service/SQL'],
      ['full year, all scopes', num(rb.service_ms), num(rb.sql_ms), times(rb.ratio)],
      ...rb.runs.map((run) => [
        `  ${run.report_slug}/${run.window} (${num(run.rows_inserted)} rows)`,
        num(run.service_ms),
        num(run.sql_ms),
        times(run.sql_ms > 0 ? Math.round((run.service_ms / run.sql_ms) * 100) / 100 : null),
      ]),
      [
        `incremental: ${rb.incremental.report_slug}/${rb.incremental.window} ${rb.incremental.day}`,
        num(rb.incremental.service_ms, 1),
        num(rb.incremental.sql_ms, 1),
        times(rb.incremental.ratio),
      ],
      [
        '  the same, completion seen by a 2 ms status poll',
        num(rb.incremental.polled_ms, 1),
        num(rb.incremental.sql_ms, 1),
        times(rb.incremental.polled_ratio),
      ],
    ]),
    `  (service: wall time from the first trigger to the last completion seen; per scope, the ` +
      `time since the previous completion, ± the ${rb.poll_ms} ms poll; incremental: trigger ` +
      `to the run's commit, seen as its change notice)`,
    '',
  );

  const rd = r.reads;
  const load = (label: string, l: LoadResult) => [
    label,
    num(l.rps),
    num(l.p50_ms, 2),
    num(l.p99_ms, 2),
    num(l.max_ms, 1),
    num(l.cpu_us_per_request, 1),
    num(l.non_2xx + l.errors + l.timeouts),
  ];
  out.push(
    `Reads: ${rd.connections} connections, ${rd.duration_s} s each after ${rd.warmup_s} s warm-up, ` +
      `the phases compared taking turns in slices, ` +
      `pool ${rd.pool_size}, mix of ${rd.mix.length} URLs`,
    table([
      ['phase', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/req', 'errors'],
      load('(a) service, cache off', rd.service_no_cache),
      load('(b) node:http + pg baseline', rd.baseline),
      load('(c) service, cache on', rd.service_cache),
      ...rd.cache_variants.map((v) => load(`  (c) ${v.variant}`, v.result)),
      load('(d) baseline, precomputed body', rd.baseline_precomputed),
    ]),
    `  (a)/(b): req/s ${times(rd.ratios.no_cache_rps)}, p99 ${times(rd.ratios.no_cache_p99)}, ` +
      `CPU per request (b)/(a) ${times(rd.ratios.no_cache_cpu)}; (c)/(d): req/s ` +
      `${times(rd.ratios.cache_rps)}, p99 ${times(rd.ratios.cache_p99)}, CPU per request (d)/(c) ` +
      `${times(rd.ratios.cache_cpu)}`,
    `  service phases run with metrics, access log and rate limiter on; without some of them ` +
      `(req/s, CPU per request against (d)): ` +
      rd.cache_variants
        .map((v) => `${v.variant} ${times(v.ratio_rps)}, ${times(v.ratio_cpu)}`)
        .join('; '),
    `  baseline answers identical to the service: ${rd.identical ? 'yes' : 'NO (see differences in the JSON)'}` +
      `; cache hits seen in (c): ${rd.cache_hit_seen ? 'yes' : 'NO'}`,
    '',
  );

  const fr = r.freshness;
  out.push(
    `Freshness: ${num(fr.late_events)} late events over ${fr.late_days} days, then the scheduled ` +
      `refresh (${fr.runs.length} runs: ${fr.runs.map((run) => `${run.report_slug}/${run.window} ${run.date_from}..${run.date_to}`).join(', ')})`,
    table([
      ['case', 'ms', 'ratio'],
      ['POST /refresh → every run completed', num(fr.service_ms), ''],
      ['the same rebuilds as direct SQL', num(fr.sql_ms), times(fr.ratio)],
      ['share of the full-year rebuild (service)', '', times(fr.share_of_full_rebuild)],
    ]),
    fr.latency
      ? `  a late event reached a report in ${num(fr.latency.ms / 1000, 1)} s with ` +
          `${fr.latency.interval_minutes}-minute refresh intervals and a ${fr.latency.tick_s} s tick`
      : '  (late event → report latency skipped: --skip-latency)',
    '',
  );

  const ig = r.ingest;
  out.push(
    `Ingestion: ${num(ig.events)} events into an empty analytics_events, each side alone`,
    table([
      ['path', 'seconds', 'events/s', '÷ COPY'],
      ['direct COPY (the limit)', num(ig.copy_ms / 1000, 1), num(ig.copy_events_per_s), '1.00×'],
      [
        `POST /events, ${ig.api.batch}-event batches, ${ig.api.connections} connections`,
        num(ig.api.ms / 1000, 1),
        num(ig.api.events_per_s),
        times(ig.api.ratio),
      ],
      [
        `npm run import (${num(ig.import.file_mb, 0)} MB NDJSON)`,
        num(ig.import.ms / 1000, 1),
        num(ig.import.events_per_s),
        times(ig.import.ratio),
      ],
    ]),
    `  importer peak RSS ${num(ig.import.rss_peak_mb, 1)} MB; per event: JSON.parse ` +
      `${ig.per_event_us.json_parse} µs, validation ${ig.per_event_us.validate} µs, ` +
      `JSON.stringify ${ig.per_event_us.json_stringify} µs`,
    `  one 1000-event batch on one connection: unnest INSERT ${ig.insert_path_ms.unnest} ms, ` +
      `COPY + staging INSERT ${ig.insert_path_ms.copy_staging} ms; spread over a year ` +
      `(365 days to mark dirty): ${ig.insert_path_ms.unnest_spread} ms`,
    '',
  );

  const m = r.memory;
  out.push(
    'Memory',
    table([
      ['measure', 'MB'],
      ['service peak RSS during reads', num(m.service_rss_peak_mb, 1)],
      ['service RSS 2 s after reads', num(m.service_rss_after_mb, 1)],
      ['service VmHWM (cache-on process)', num(m.service_hwm_mb, 1)],
      ['baseline peak RSS (query mode)', num(m.baseline_rss_peak_mb, 1)],
      ...Object.entries(m.tables).map(([name, size]) => [
        `${name} (${num(size.rows)} rows, heap ${num(size.heap_mb, 1)} + indexes ${num(size.indexes_mb, 1)})`,
        num(size.total_mb, 1),
      ]),
    ]),
    `  metric_snapshots / analytics_events size: ${times(m.snapshots_to_events)}`,
    '',
  );

  out.push(
    'Targets',
    table([
      ['target', 'goal', 'value', 'met'],
      ...r.targets.map((t) => [
        t.name,
        t.goal,
        t.value == null ? 'n/a' : String(t.value),
        t.met == null ? 'n/a' : t.met ? 'yes' : 'NO',
      ]),
    ]),
    '',
    `total ${num(r.total_s, 0)} s`,
  );
  return out.join('\n');
}
