import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
// Jest loads global setup outside its module mapper, so it imports the compiled code
// (`npm test` builds first).
import { loadConfig } from '../../dist/src/config/app.config.js';
import { startEmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';

/** Whether a process with this id is running (on this host). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One PostgreSQL server for the whole run: the one DATABASE_URL names, or a fresh embedded
 * server (what a newcomer has). Each test file then gets its own database on it.
 */
export default async function globalSetup() {
  let adminUrl;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tally-test-pg-'));
    globalThis.__TALLY_TEST_PG_DIR__ = dataDir;
    globalThis.__TALLY_TEST_PG__ = await startEmbeddedPostgres({
      dataDir,
      stageDir: loadConfig(process.env).embeddedPgStageDir,
      database: 'postgres',
    });
    adminUrl = globalThis.__TALLY_TEST_PG__.url;
  }
  process.env.TALLY_TEST_ADMIN_URL = adminUrl;
  // Test databases are named tally_test_h<host>_<pid>_…: a run's leftovers (from an interrupted
  // run) are dropped only by a later run on the same host once that pid is gone, so runs
  // sharing one server never drop each other's databases.
  const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  process.env.TALLY_TEST_RUN = `h${host}_${process.pid}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `tally\\_test\\_h${host}\\_%`,
    ]);
    for (const { datname } of rows) {
      const pid = Number(/^tally_test_h[0-9a-f]+_(\d+)_/.exec(datname)?.[1]);
      if (Number.isInteger(pid) && !isAlive(pid)) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  } finally {
    await client.end();
  }
}
