import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { addDays } from '../src/snapshots/bucket-range.js';
import { processCpuMs } from './memory.js';
import { sortNumbers, sortedPercentile } from './stats.js';

/** One measured load phase. Latencies are of 2xx responses, in ms. */
export interface LoadResult {
  target: string;
  requests: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  throughput_mb_s: number;
  /**
   * CPU time the server process used per 2xx response during the measured seconds, µs. Unlike
   * requests/s it hardly depends on what else runs on the machine.
   */
  cpu_us_per_request: number | null;
}

export interface LoadOptions {
  connections: number;
  duration: number;
  warmup: number;
}

/**
 * The read mix, a third each: volume-by-period over the last 30 days (day window),
 * volume-by-period over the last 365 days by week broken down by source, and top-entities over
 * the last 30 days, three pages of 20. Every connection cycles through the list.
 */
export function readMix(lastDay: string): string[] {
  const base = '/api/v1/reports';
  const month = `date_from=${addDays(lastDay, -29)}&date_to=${lastDay}`;
  const year = `date_from=${addDays(lastDay, -364)}&date_to=${lastDay}`;
  const volumeMonth = `${base}/volume-by-period/run?window=day&${month}`;
  const volumeYear = `${base}/volume-by-period/run?window=week&${year}&breakdown=source&limit=100`;
  const top = (page: number) =>
    `${base}/top-entities/run?window=day&${month}&limit=20&offset=${page * 20}`;
  return [
    volumeMonth,
    volumeYear,
    top(0),
    volumeMonth,
    volumeYear,
    top(1),
    volumeMonth,
    volumeYear,
    top(2),
  ];
}

/** The parts of a run response that legitimately differ between two servers or two calls. */
function comparable(body: unknown): unknown {
  const copy = structuredClone(body) as {
    data?: Record<string, unknown>;
    meta?: Record<string, unknown>;
  };
  if (copy.data) {
    delete copy.data.generated_at;
    delete copy.data.execution_ms;
  }
  return copy;
}

/**
 * Checks that the baseline answers every URL of the mix exactly as the service does (status and
 * JSON, apart from timestamps and timings). Returns the URLs that differ, with both bodies.
 */
export async function compareResponses(
  serviceUrl: string,
  baselineUrl: string,
  paths: string[],
): Promise<{ path: string; service: unknown; baseline: unknown }[]> {
  const differences = [];
  for (const path of new Set(paths)) {
    const [service, baseline] = await Promise.all(
      [serviceUrl, baselineUrl].map(async (url) => {
        const response = await fetch(url + path);
        return { status: response.status, body: comparable(await response.json()) };
      }),
    );
    if (!isDeepStrictEqual(service, baseline)) differences.push({ path, service, baseline });
  }
  return differences;
}

function cannon(
  url: string,
  paths: string[],
  options: { connections: number; duration: number },
  onResponse?: (statusCode: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.duration,
        sampleInt: SAMPLE_MS,
        requests: paths.map((path) => ({ method: 'GET', path })),
        timeout: 30,
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
    if (onResponse) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) =>
        onResponse(statusCode, responseTime),
      );
    }
  });
}

/** A server under load in an interleaved measurement. */
export interface LoadTarget {
  target: string;
  url: string;
  /** For CPU per request (Linux). */
  pid?: number;
}

interface Tally {
  latencies: number[];
  seconds: number;
  /** null once a CPU reading was missing. */
  cpuMs: number | null;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytes: number;
}

function summarize(target: string, tally: Tally): LoadResult {
  const { latencies, seconds, cpuMs } = tally;
  const round2 = (value: number) => Math.round(value * 100) / 100;
  const sorted = sortNumbers(latencies);
  const sum = latencies.reduce((total, ms) => total + ms, 0);
  return {
    target,
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50_ms: round2(sortedPercentile(sorted, 50)),
    p90_ms: round2(sortedPercentile(sorted, 90)),
    p99_ms: round2(sortedPercentile(sorted, 99)),
    mean_ms: round2(sum / latencies.length),
    max_ms: round2(sorted.at(-1) ?? NaN),
    non_2xx: tally.non2xx,
    errors: tally.errors,
    timeouts: tally.timeouts,
    throughput_mb_s: round2(tally.bytes / seconds / 1024 / 1024),
    cpu_us_per_request:
      cpuMs === null || latencies.length === 0 ? null : round2((cpuMs * 1000) / latencies.length),
  };
}

export interface Slicing {
  /** Slices per target. */
  rounds: number;
  /** Waited for before each slice (e.g. until the previous slice's work has ended). */
  settle?: () => Promise<void>;
}

/**
 * autocannon ends a run only on its sampling tick (1 s by default): a tick of 50 ms lets a
 * slice of half a second last half a second.
 */
const SAMPLE_MS = 50;

/**
 * Runs the mix against every target: first `warmup` seconds each, unrecorded (JIT, pools,
 * PostgreSQL's cache, the service's cache), then `duration` seconds each, measured in `rounds`
 * slices that take turns: forwards in even rounds, backwards in odd ones (A B C, C B A, …).
 * Whatever the machine does meanwhile (another process, a slower minute) falls on every target
 * alike, so the ratios between them hold even when the absolute numbers move. Latency
 * percentiles come from every response's own time (autocannon's histogram has 1 ms resolution,
 * too coarse for cache hits).
 */
export async function measureInterleaved(
  targets: LoadTarget[],
  paths: string[],
  options: LoadOptions,
  { rounds, settle }: Slicing,
): Promise<LoadResult[]> {
  const { connections } = options;
  if (options.warmup > 0) {
    for (const { url } of targets)
      await cannon(url, paths, { connections, duration: options.warmup });
  }
  const tallies: Tally[] = targets.map(() => ({
    latencies: [],
    seconds: 0,
    cpuMs: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    bytes: 0,
  }));
  const forwards = targets.map((_, index) => index);
  const backwards = forwards.toReversed();
  const slice = { connections, duration: options.duration / rounds };
  for (let round = 0; round < rounds; round += 1) {
    for (const index of round % 2 === 0 ? forwards : backwards) {
      const { url, pid } = targets[index];
      const tally = tallies[index];
      await settle?.();
      const cpuBefore = pid === undefined ? undefined : processCpuMs(pid);
      const result = await cannon(url, paths, slice, (statusCode, ms) => {
        if (statusCode >= 200 && statusCode < 300) tally.latencies.push(ms);
      });
      const cpuAfter = pid === undefined ? undefined : processCpuMs(pid);
      tally.cpuMs =
        tally.cpuMs === null || cpuBefore === undefined || cpuAfter === undefined
          ? null
          : tally.cpuMs + cpuAfter - cpuBefore;
      tally.seconds += result.duration;
      tally.non2xx += result.non2xx;
      tally.errors += result.errors;
      tally.timeouts += result.timeouts;
      tally.bytes += result.throughput.total;
    }
  }
  return targets.map(({ target }, index) => summarize(target, tallies[index]));
}
