import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app.config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runMigrations } from '../src/database/migrate.js';

/** The embedded cluster the bench reuses between runs (each run still gets a fresh database). */
const EMBEDDED_DIR = fileURLToPath(new URL('../../.data/bench-postgres', import.meta.url));

export interface BenchDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** `embedded` or the host:port of DATABASE_URL. */
  server: string;
  /** Drops the database (and stops the embedded server); safe to call twice. */
  dispose(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` on a client of its own on `url`, closed afterwards. */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for this run: on the server DATABASE_URL names (the bench connects to that
 * URL's database only to create and drop its own), else on an embedded PostgreSQL.
 */
export async function createBenchDatabase(
  databaseUrl: string | undefined,
  log: (message: string) => void,
): Promise<BenchDatabase> {
  let adminUrl = databaseUrl;
  let stopServer: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: EMBEDDED_DIR,
      stageDir: loadConfig(process.env).embeddedPgStageDir,
      database: 'postgres',
      log,
    });
    adminUrl = embedded.url;
    stopServer = embedded.stop;
    // The bench owns this cluster: databases left by a run that was killed go now.
    await withClient(adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'tally\\_bench\\_%'`,
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    });
  }
  const name = `tally_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    await stopServer?.();
    throw error;
  }
  let disposed = false;
  const admin = adminUrl;
  return {
    url: withDatabase(admin, name),
    name,
    server: stopServer ? 'embedded' : new URL(admin).host,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      try {
        await withClient(admin, (client) =>
          client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
        );
      } finally {
        await stopServer?.();
      }
    },
  };
}

/** Applies the service's own migrations (schema + reference data); runMigrations holds one
 * connection for its advisory lock and migrates on another. */
export async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource({ ...dataSourceOptions(url, 2), logging: ['error'] });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
