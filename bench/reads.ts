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

/**
 * Runs the mix against `url`: `warmup` seconds unrecorded (JIT, pools, PostgreSQL's cache, the
 * service's cache), then `duration` seconds measured. Latency percentiles come from every
 * response's own time (autocannon's histogram has 1 ms resolution, too coarse for cache hits).
 */
export async function measure(
  target: string,
  url: string,
  paths: string[],
  options: LoadOptions,
  pid?: number,
): Promise<LoadResult> {
  if (options.warmup > 0) {
    await cannon(url, paths, { connections: options.connections, duration: options.warmup });
  }
  const latencies: number[] = [];
  const cpuBefore = pid === undefined ? undefined : processCpuMs(pid);
  const result = await cannon(url, paths, options, (statusCode, ms) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
  const cpuAfter = pid === undefined ? undefined : processCpuMs(pid);
  const round2 = (value: number) => Math.round(value * 100) / 100;
  const sorted = sortNumbers(latencies);
  const sum = latencies.reduce((total, ms) => total + ms, 0);
  return {
    target,
    requests: latencies.length,
    rps: Math.round(latencies.length / result.duration),
    p50_ms: round2(sortedPercentile(sorted, 50)),
    p90_ms: round2(sortedPercentile(sorted, 90)),
    p99_ms: round2(sortedPercentile(sorted, 99)),
    mean_ms: round2(sum / latencies.length),
    max_ms: round2(sorted.at(-1) ?? NaN),
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    throughput_mb_s: round2(result.throughput.average / 1024 / 1024),
    cpu_us_per_request:
      cpuBefore === undefined || cpuAfter === undefined || latencies.length === 0
        ? null
        : round2(((cpuAfter - cpuBefore) * 1000) / latencies.length),
  };
}
