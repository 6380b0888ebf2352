import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runService, startService } from '../support/service-process.js';

/** PIDs of postgres processes serving `dataDir`. */
function postgresServing(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `postgres -D ${dataDir}`], { encoding: 'utf8' })
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

// After a graceful shutdown the process exits with 0 (which flushes the buffered log lines).
describe('the built service with no DATABASE_URL (embedded PostgreSQL)', () => {
  let dataDir: string;
  const env = () => ({ DATABASE_URL: '', EMBEDDED_PG_DIR: dataDir, LOG_LEVEL: 'log' });

  beforeAll(async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'tally-start-'));
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach the directory.
    await chmod(parent, 0o755);
    dataDir = path.join(parent, 'pg');
  });
  afterAll(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('starts, serves health and the demo data, and stops PostgreSQL on SIGTERM', async () => {
    const service = await startService(env());
    const health = await getJson(`${service.url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(health.body.data.status).toBe('ok');
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
});

describe('configuration is validated before anything starts', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ RECOMPUTE_QUEUE_SIZE: '-5' }, 'RECOMPUTE_QUEUE_SIZE'],
    [{ APP_AUTO_SEED: 'sometimes' }, 'APP_AUTO_SEED'],
    [{ NODE_ENV: 'production', MANAGEMENT_API_KEY: '' }, 'MANAGEMENT_API_KEY'],
    [{ NODE_ENV: 'production', MANAGEMENT_API_KEY: 'local-management-key' }, 'MANAGEMENT_API_KEY'],
  ])('%j exits non-zero naming %s', async (bad, variable) => {
    const run = runService({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...bad });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`Invalid configuration: ${variable}`);
  });
});
