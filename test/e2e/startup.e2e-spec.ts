import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { runBuilt, runService, startService } from '../support/service-process.js';

/** PIDs of postgres processes serving `dataDir` (or the directory it links to). */
function postgresServing(dataDir: string): string[] {
  try {
    const served = realpathSync(dataDir);
    return execFileSync('pgrep', ['-f', `postgres -D ${served}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

interface Health {
  data: { status: string };
}

async function getJson(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Health };
}

/**
 * What `output` says besides progress (info-level) lines, in either log format: a stack, or any
 * second report of a failure, would show here.
 */
function besidesProgress(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^\{"level":30,/.test(line) && !/^\[[\d:.]+\] INFO\b/.test(line));
}

// After a graceful shutdown the process exits with 0 (which flushes the buffered log lines).
// The data directory is inside a 0700 directory, as in a clone in /root: run as root, the
// `postgres` user cannot reach it, and its data is staged (EMBEDDED_PG_STAGE_DIR).
describe('the built service with no DATABASE_URL (embedded PostgreSQL)', () => {
  let dataDir: string;
  let stageDir: string;
  const env = () => ({
    DATABASE_URL: '',
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_STAGE_DIR: stageDir,
    LOG_LEVEL: 'log',
    NO_COLOR: '1',
  });

  beforeAll(async () => {
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'tally-start-')), 'pg');
    stageDir = await mkdtemp(path.join(tmpdir(), 'tally-stage-'));
  });
  afterAll(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
    await rm(stageDir, { recursive: true, force: true });
  });

  it('starts, serves health and the demo data, and stops PostgreSQL on SIGTERM', async () => {
    const service = await startService(env());
    const health = await getJson(`${service.url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(health.body.data.status).toBe('ok');
    // Swagger UI's own 404 (its LICENSE file), in the envelope like any other path.
    const license = await fetch(`${service.url}/docs/LICENSE`);
    expect(license.status).toBe(404);
    expect(await license.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'route not found: GET /docs/LICENSE',
        details: [],
        request_id: license.headers.get('x-request-id'),
      },
    });
    expect(service.output()).toContain('inserted 25000 demo events');
    expect(postgresServing(dataDir)).toHaveLength(1);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.output()).toContain('embedded PostgreSQL stopped');
    expect(postgresServing(dataDir)).toEqual([]);
  });

  it('reuses the data on a second start (no second seed) and stops on SIGINT', async () => {
    const service = await startService(env());
    expect((await getJson(`${service.url}/api/v1/health`)).status).toBe(200);
    expect(service.output()).not.toContain('demo events');
    expect(service.output()).not.toContain('initialising embedded PostgreSQL');
    expect(await service.stop('SIGINT')).toBe(0);
    expect(service.output()).toContain('embedded PostgreSQL stopped');
    expect(postgresServing(dataDir)).toEqual([]);
  });

  it('leaves the database of a running service alone when a second one starts on its data', async () => {
    const first = await startService(env());
    const second = runService(env());
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`is in use by process ${first.child.pid}`);
    expect((await getJson(`${first.url}/api/v1/health`)).body.data.status).toBe('ok');
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(postgresServing(dataDir)).toEqual([]);
  });

  it('takes over from a PostgreSQL orphaned by a killed service', async () => {
    const killed = await startService(env());
    await killed.stop('SIGKILL');
    expect(postgresServing(dataDir)).toHaveLength(1); // SIGKILL gives no chance to stop it
    const service = await startService(env());
    expect((await getJson(`${service.url}/api/v1/health`)).status).toBe(200);
    expect(service.output()).toContain('stopping orphaned embedded PostgreSQL');
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.output()).toContain('embedded PostgreSQL stopped');
    expect(postgresServing(dataDir)).toEqual([]);
  });

  it('refuses `npm run seed` while the service runs: one line naming the process, exit 1', async () => {
    const service = await startService(env());
    const seed = runBuilt('dist/src/cli/seed.js', env());
    expect(await seed.exited).toBe(1);
    expect(besidesProgress(seed.output())).toEqual([
      expect.stringContaining(`is in use by process ${service.child.pid}`),
    ]);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(postgresServing(dataDir)).toEqual([]);
  });

  it('`npm run migration:run` migrates the embedded database and stops it again', async () => {
    const migrate = runBuilt('dist/src/cli/migrate.js', env());
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toContain(
      `no pending migrations (the schema has all ${MIGRATIONS.length})`,
    );
    expect(migrate.output()).toContain('embedded PostgreSQL stopped');
    expect(postgresServing(dataDir)).toEqual([]);
  });
});

describe('an embedded data directory that cannot be used', () => {
  let parent: string;
  let stageDir: string;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'tally-bad-'));
    stageDir = await mkdtemp(path.join(tmpdir(), 'tally-stage-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
    await rm(stageDir, { recursive: true, force: true });
  });

  const start = (dataDir: string) =>
    runService({
      DATABASE_URL: '',
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_STAGE_DIR: stageDir,
      NO_COLOR: '1',
    });

  it('under a file: exits 1 with one line naming the path', async () => {
    await writeFile(path.join(parent, 'a-file'), 'not a directory');
    const run = start(path.join(parent, 'a-file', 'sub', 'pg'));
    expect(await run.exited).toBe(1);
    expect(besidesProgress(run.output())).toEqual([
      expect.stringContaining(`cannot create ${path.join(parent, 'a-file', 'sub')}`),
    ]);
  });

  // Run as root the `postgres` user cannot reach it (it is not moved); run as its owner,
  // PostgreSQL finds no valid cluster in it. Either way: one line naming it.
  it('an existing directory that is no cluster: exits 1 with one line naming it', async () => {
    const dataDir = path.join(parent, 'not-a-cluster');
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(path.join(dataDir, 'PG_VERSION'), '18\n');
    const run = start(dataDir);
    expect(await run.exited).toBe(1);
    expect(besidesProgress(run.output())).toEqual([expect.stringContaining(dataDir)]);
  });
});

describe('configuration is validated before anything starts', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ RECOMPUTE_QUEUE_SIZE: '-5' }, 'RECOMPUTE_QUEUE_SIZE'],
    [{ APP_AUTO_SEED: 'sometimes' }, 'APP_AUTO_SEED'],
    [{ NODE_ENV: 'production', MANAGEMENT_API_KEY: '' }, 'MANAGEMENT_API_KEY'],
    [{ NODE_ENV: 'production', MANAGEMENT_API_KEY: 'local-management-key' }, 'MANAGEMENT_API_KEY'],
    // The Docker image's case: production without a database of its own.
    [
      { NODE_ENV: 'production', MANAGEMENT_API_KEY: 'm', INGEST_API_KEY: 'i', DATABASE_URL: '' },
      'DATABASE_URL must be set when NODE_ENV=production',
    ],
  ])('%j exits non-zero naming %s', async (bad, variable) => {
    const run = runService({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...bad });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`Invalid configuration: ${variable}`);
  });
});

describe('a database that cannot be reached at start-up', () => {
  it('exits 1 naming where it looked, without the password', async () => {
    const run = runService({
      DATABASE_URL: 'postgres://nobody:secret-pw@127.0.0.1:1/nowhere',
      NO_COLOR: '1',
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PostgreSQL at 127.0.0.1:1/nowhere could not be reached: ');
    expect(run.output()).not.toContain('secret-pw');
  });
});
