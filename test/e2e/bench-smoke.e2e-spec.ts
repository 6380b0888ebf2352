import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const BENCH = 'dist/bench/run.js';

function adminUrl(): string {
  const url = process.env.TALLY_TEST_ADMIN_URL;
  if (!url) throw new Error('test/support/global-setup.js did not run');
  return url;
}

/** Runs the compiled bench to the end; resolves with its exit code, output and pid. */
function runBench(args: string[]): Promise<{ code: number | null; output: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], {
      env: { ...process.env, DATABASE_URL: adminUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output, pid: child.pid! }));
  });
}

// The harness at a tiny size: it runs end to end, prints its table and writes valid JSON.
// Benchmarks measure; this test never asserts a timing.
describe('npm run bench (smoke, tiny size)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tally-bench-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an unknown option with its usage', async () => {
    const run = await runBench(['--events', '2000', '--fast']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('unknown option --fast');
    expect(run.output).toContain('usage: npm run bench');
  });

  it('runs every phase, prints the table, writes the JSON and drops its database', async () => {
    expect(existsSync(BENCH)).toBe(true); // `npm test` builds dist/ first
    const out = path.join(dir, 'latest.json');
    const args = ['--events', '2000', '--duration', '1', '--warmup', '0', '--rounds', '1'];
    args.push('--skip-latency');
    const run = await runBench([...args, '--connections', '4', '--out', out]);
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });

    for (const heading of ['Rebuild:', 'Reads:', 'Freshness:', 'Ingestion:', 'Memory', 'Targets']) {
      expect(run.output).toContain(heading);
    }
    for (const row of [
      'full year, all scopes',
      'incremental: volume-by-period/day',
      '(a) service, cache off',
      '(b) node:http + pg baseline',
      '(c) service, cache on',
      '(d) baseline, precomputed body',
      'metric_snapshots / analytics_events size',
      'direct COPY (the limit)',
      'POST /events, 1000-event batches, 8 connections',
      'npm run import',
    ]) {
      expect(run.output).toContain(row);
    }

    const results = JSON.parse(await readFile(out, 'utf8'));
    expect(results).toMatchObject({
      machine: { cpus: expect.any(Number) },
      node: process.version,
      postgres: expect.any(String),
      events: 2000,
      data: { events: 2000, sources: 3, entities: 10_000 },
      rebuild: {
        scopes: 6,
        service_ms: expect.any(Number),
        sql_ms: expect.any(Number),
        ratio: expect.any(Number),
        incremental: { service_ms: expect.any(Number), sql_ms: expect.any(Number) },
      },
      freshness: {
        late_events: 1000,
        service_ms: expect.any(Number),
        sql_ms: expect.any(Number),
        latency: null,
      },
      // Each ingestion side stored every event (the phase checks the count and fails otherwise).
      ingest: {
        events: 2000,
        copy_ms: expect.any(Number),
        api: { events_per_s: expect.any(Number), ratio: expect.any(Number) },
        import: { events_per_s: expect.any(Number), rss_peak_mb: expect.any(Number) },
        insert_path_ms: { unnest: expect.any(Number), copy_staging: expect.any(Number) },
      },
      memory: {
        tables: {
          analytics_events: { rows: 2000 },
          metric_snapshots: { rows: expect.any(Number) },
        },
      },
    });
    expect(results.rebuild.runs).toHaveLength(6);
    // Correctness, not speed: the baseline serves exactly the service's answers, every request
    // of every phase succeeded, and the cache-on phase was really served from the cache.
    expect(results.reads.differences).toEqual([]);
    expect(results.reads.identical).toBe(true);
    expect(results.reads.cache_hit_seen).toBe(true);
    for (const phase of ['service_no_cache', 'baseline', 'service_cache', 'baseline_precomputed']) {
      expect(results.reads[phase]).toMatchObject({ non_2xx: 0, errors: 0, timeouts: 0 });
      expect(results.reads[phase].requests).toBeGreaterThan(0);
    }
    expect(results.targets.map((target: { name: string }) => target.name)).toHaveLength(12);

    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      const left = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [
        `tally\\_bench\\_${run.pid}\\_%`,
      ]);
      expect(left.rows).toEqual([]);
    } finally {
      await client.end();
    }
  }, 240_000);
});
