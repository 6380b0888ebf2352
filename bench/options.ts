import { fileURLToPath } from 'node:url';
import { integerProblem, parseInteger } from '../src/common/input-rules.js';

export const DEFAULT_EVENTS = 1_000_000;
export const QUICK_EVENTS = 100_000;

/** What one `npm run bench` invocation measures; see docs/benchmarks.md. */
export interface BenchOptions {
  events: number;
  /** Seconds each read phase is measured for (after its warm-up). */
  duration: number;
  /** Seconds of unrecorded load before each read phase. */
  warmup: number;
  connections: number;
  /** Pool size of the service (DATABASE_POOL_SIZE) and of the baseline server alike. */
  pool: number;
  /** Repetitions of the full rebuild comparison; medians are reported. */
  rounds: number;
  /** RECOMPUTE_CONCURRENCY of the service under test. */
  recomputeConcurrency: number;
  /** Where the machine-readable results go. */
  out: string;
  /** Measure how long a late event takes to reach a report (about a minute). */
  latency: boolean;
  databaseUrl: string | undefined;
}

const USAGE = `usage: npm run bench -- [options]
  --events N          events to generate (default ${DEFAULT_EVENTS.toLocaleString('en-US')})
  --quick             ${QUICK_EVENTS.toLocaleString('en-US')} events
  --duration S        seconds per read phase (default 10)
  --warmup S          unrecorded seconds before each read phase (default duration / 5, at least 1)
  --connections C     autocannon connections (default 32)
  --pool P            PostgreSQL pool of the service and the baseline (default 10)
  --rounds R          full-rebuild repetitions, medians reported (default 3)
  --recompute-concurrency K  RECOMPUTE_CONCURRENCY of the service (default 1)
  --out FILE          results JSON (default bench/results/latest.json)
  --skip-latency      skip the minute-long late-event-to-report measurement
DATABASE_URL set: a fresh database on that server; unset: embedded PostgreSQL.`;

export class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined, min = 1): number {
  const value = raw === undefined ? undefined : parseInteger(raw);
  if (value === undefined || integerProblem(name, value, min, Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${name} must be an integer ≥ ${min}\n\n${USAGE}`);
  }
  return value;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const values = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    if (arg === '--quick') {
      values.set('events', String(QUICK_EVENTS));
      continue;
    }
    if (arg === '--skip-latency') {
      values.set('skip-latency', undefined);
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument ${arg}\n\n${USAGE}`);
    const [, name, inline] = match;
    values.set(name, inline ?? argv[++i]);
  }
  const known = [
    'events',
    'duration',
    'warmup',
    'connections',
    'pool',
    'rounds',
    'recompute-concurrency',
    'out',
    'skip-latency',
  ];
  for (const name of values.keys()) {
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}\n\n${USAGE}`);
  }
  const opt = (name: string, fallback: number, min = 1) =>
    values.has(name) ? positiveInt(`--${name}`, values.get(name), min) : fallback;
  const duration = opt('duration', 10);
  const out = values.get('out');
  if (values.has('out') && !out) throw new UsageError(`--out needs a file\n\n${USAGE}`);
  return {
    events: opt('events', DEFAULT_EVENTS, 100),
    duration,
    warmup: opt('warmup', Math.max(1, Math.round(duration / 5)), 0),
    connections: opt('connections', 32),
    pool: opt('pool', 10),
    rounds: opt('rounds', 3),
    recomputeConcurrency: opt('recompute-concurrency', 1),
    out: out ?? fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url)),
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    latency: !values.has('skip-latency'),
  };
}
