import { setTimeout as sleep } from 'node:timers/promises';
import { withClient } from './database.js';
import { processMemory, RssSampler } from './memory.js';
import type { BenchOptions } from './options.js';
import type { ObservabilityVariant, ReadsResult } from './output.js';
import { BASELINE_MAIN, HEALTH, SERVICE_MAIN, startServer, type Server } from './processes.js';
import { compareResponses, measureInterleaved, type LoadResult, type Slicing } from './reads.js';
import { ratio } from './stats.js';

/** Cache-hit phases with parts of the observability switched off: what each part costs. */
function observabilityVariants(
  rateLimits: string[],
): { label: string; env: Record<string, string> }[] {
  return [
    { label: 'metrics off', env: { METRICS_ENABLED: 'false' } },
    { label: 'access log off', env: { LOG_LEVEL: 'warn' } },
    {
      label: 'metrics, access log, rate limits off',
      env: {
        METRICS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        ...Object.fromEntries(rateLimits.map((name) => [name, '0'])),
      },
    },
  ];
}

export interface PhaseMemory {
  /** Peak sampled RSS while the phases ran, MB. */
  peak: number | null;
  /** RSS two seconds after the load ended, MB. */
  after: number | null;
  /** The kernel's high-water mark (VmHWM), MB. */
  hwm: number | null;
}

export interface ReadPhasesInput {
  /** The service, started with the report cache off (phase (a)). */
  service: Server;
  /** The service's environment. */
  serviceEnv: Record<string, string>;
  /** The rate-limit variables of the service, set to 0 (off) in one variant. */
  rateLimitVariables: string[];
  baselineEnv: (mode: 'query' | 'precomputed') => Record<string, string>;
  /** The bench database (to see when the last slice's queries have ended). */
  databaseUrl: string;
  /** Sets every report's cache TTL to `seconds`, or back to its configured one (undefined). */
  setCacheTtls: (seconds?: number) => Promise<void>;
  mix: string[];
}

export interface ReadPhasesResult {
  reads: ReadsResult;
  memory: { a: PhaseMemory; b: PhaseMemory; c: PhaseMemory };
}

/**
 * How the measured seconds are sliced (see measureInterleaved). A cache miss takes hundreds of
 * milliseconds at the default size, so (a) and (b) take two turns each (A B B A), each slice
 * after the last one's queries have ended (queriesEnded). A cache hit takes microseconds,
 * while the machine's speed moves by ±15 % from one second to the next: hits are measured in
 * slices of about HIT_SLICE_S seconds, an even number of them (10 s: 20 slices per phase).
 */
const MISS_ROUNDS = 2;
const HIT_SLICE_S = 0.5;

function hitRounds(duration: number): number {
  return 2 * Math.max(1, Math.round(duration / (2 * HIT_SLICE_S)));
}

/**
 * The cache TTL of every report while the cache-hit phases take turns: their servers live for
 * about a minute, longer than the configured TTLs (45–120 s), and a hit phase must see no miss.
 */
const HIT_TTL_S = 3600;
/** How long a cache-miss slice waits at most for the previous slice's queries to end. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Waits until no client of the bench database runs a query: when a cache-miss slice ends, the
 * server still works off the requests autocannon gave up on (up to one per connection), and
 * that work must not fall into the next slice's time.
 */
async function queriesEnded(databaseUrl: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  await withClient(databaseUrl, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ active: number }>(
        `SELECT count(*)::int AS active FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active'
            AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].active === 0 || Date.now() > deadline) return;
      await sleep(20);
    }
  });
}

/**
 * Runs a group of read phases whose servers are all up at once, their measured slices taking
 * turns (see measureInterleaved), while sampling every server's RSS.
 */
async function interleavedPhases(
  servers: { server: Server; target: string }[],
  mix: string[],
  options: BenchOptions,
  slices: Slicing,
  log: (message: string) => void,
): Promise<{ result: LoadResult; memory: PhaseMemory }[]> {
  const samplers = servers.map(({ server }) => new RssSampler(server.pid));
  const targets = servers.map(({ server, target }) => ({
    target,
    url: server.url,
    pid: server.pid,
  }));
  const results = await measureInterleaved(targets, mix, options, slices);
  const peaks = samplers.map((sampler) => sampler.stop() ?? null);
  await sleep(2000);
  return servers.map(({ server, target }, index) => {
    const result = results[index];
    const failed = result.non_2xx + result.errors + result.timeouts;
    log(
      `  ${target}: ${result.rps.toLocaleString('en-US')} req/s, p50 ${result.p50_ms} ms, ` +
        `p99 ${result.p99_ms} ms, ${result.cpu_us_per_request ?? 'n/a'} CPU µs/request` +
        `${failed ? `, ${failed} FAILED requests` : ''}`,
    );
    const memory = processMemory(server.pid);
    return {
      result,
      memory: { peak: peaks[index], after: memory?.rss_mb ?? null, hwm: memory?.hwm_mb ?? null },
    };
  });
}

/**
 * The read phases: (a) the service with the cache off against (b) the bare server running the
 * same SQL, then (c) the service with the cache on, the same with parts of its observability
 * off, against (d) the bare server answering precomputed bodies. The servers of each group run
 * at once and take turns (docs/benchmarks.md, "Reads").
 */
export async function readPhases(
  input: ReadPhasesInput,
  options: BenchOptions,
  log: (message: string) => void,
): Promise<ReadPhasesResult> {
  const { service, serviceEnv, mix } = input;
  log('read phase (b) first check: the baseline must answer exactly as the service');
  const baseline = await startServer('baseline', BASELINE_MAIN, input.baselineEnv('query'), HEALTH);
  const differences = await compareResponses(service.url, baseline.url, mix);
  if (differences.length > 0) {
    log(`WARNING: ${differences.length} URL(s) answered differently; see reads.differences`);
  }
  log('read phases (a) service, cache off, and (b) node:http + pg baseline, taking turns');
  const [a, b] = await interleavedPhases(
    [
      { server: service, target: '(a) service, cache off' },
      { server: baseline, target: '(b) baseline' },
    ],
    mix,
    options,
    { rounds: MISS_ROUNDS, settle: () => queriesEnded(input.databaseUrl) },
    log,
  );
  await Promise.all([service.stop(), baseline.stop()]);

  await input.setCacheTtls(HIT_TTL_S);
  log('read phases (c) service, cache on, its variants and (d), taking turns');
  const variants = observabilityVariants(input.rateLimitVariables);
  const cached = await startServer('service', SERVICE_MAIN, serviceEnv, HEALTH);
  const servers = [{ server: cached, target: '(c) service, cache on' }];
  for (const variant of variants) {
    const env = { ...serviceEnv, ...variant.env };
    servers.push({
      server: await startServer('service', SERVICE_MAIN, env, HEALTH),
      target: `(c) ${variant.label}`,
    });
  }
  const precomputedEnv = input.baselineEnv('precomputed');
  servers.push({
    server: await startServer('baseline', BASELINE_MAIN, precomputedEnv, HEALTH),
    target: '(d) baseline, precomputed',
  });
  const measured = await interleavedPhases(
    servers,
    mix,
    options,
    { rounds: hitRounds(options.duration) },
    log,
  );
  const probe = (await (await fetch(cached.url + mix[0])).json()) as {
    data?: { cache_hit?: boolean };
  };
  await Promise.all(servers.map(({ server }) => server.stop()));
  await input.setCacheTtls();
  const c = measured[0];
  const d = measured[measured.length - 1].result;
  const variantResults: ObservabilityVariant[] = variants.map((variant, index) => {
    const { result } = measured[index + 1];
    return {
      variant: variant.label,
      env: variant.env,
      result,
      ratio_rps: ratio(result.rps, d.rps),
      ratio_cpu: ratio(d.cpu_us_per_request, result.cpu_us_per_request),
    };
  });

  const reads: ReadsResult = {
    mix,
    connections: options.connections,
    duration_s: options.duration,
    warmup_s: options.warmup,
    pool_size: options.pool,
    identical: differences.length === 0,
    differences,
    cache_hit_seen: probe.data?.cache_hit === true,
    service_no_cache: a.result,
    baseline: b.result,
    service_cache: c.result,
    baseline_precomputed: d,
    cache_variants: variantResults,
    ratios: {
      no_cache_rps: ratio(a.result.rps, b.result.rps),
      no_cache_p99: ratio(a.result.p99_ms, b.result.p99_ms),
      cache_rps: ratio(c.result.rps, d.rps),
      cache_p99: ratio(c.result.p99_ms, d.p99_ms),
      no_cache_cpu: ratio(b.result.cpu_us_per_request, a.result.cpu_us_per_request),
      cache_cpu: ratio(d.cpu_us_per_request, c.result.cpu_us_per_request),
    },
  };
  return { reads, memory: { a: a.memory, b: b.memory, c: c.memory } };
}
