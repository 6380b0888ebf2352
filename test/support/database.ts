import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { today } from './reports.js';

export type DatabaseKind = 'blank' | 'migrated' | 'demo';

export interface TestDatabase {
  name: string;
  url: string;
  /** A plain pg pool on the test database, for SQL truth and inspection. */
  sql: pg.Pool;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TALLY_TEST_ADMIN_URL;
  if (!url) throw new Error('test/support/global-setup.ts did not run');
  return url;
}

function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withDatabase(adminUrl(), work);
}

async function withDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const prefix = () => `tally_test_${process.env.TALLY_TEST_RUN}_`;

/**
 * Builds a template once per test run (migrated schema, optionally the demo data) by booting
 * the real application against it; later databases are cheap copies of it.
 */
async function ensureTemplate(kind: 'migrated' | 'demo'): Promise<string> {
  // The demo data is relative to today (UTC): a run that passes midnight seeds a new template.
  const day = kind === 'demo' ? `_${today().replaceAll('-', '')}` : '';
  const template = `${prefix()}tpl_${kind}${day}`;
  const lockKey = `tally-test-template-${template}`;
  await withAdmin(async (client) => {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount) return;
      await client.query(`CREATE DATABASE "${template}"`);
      const { bootApplicationContext } = await import('./app.js');
      const context = await bootApplicationContext(urlFor(template), {
        APP_AUTO_MIGRATE: 'true',
        APP_AUTO_SEED: kind === 'demo' ? 'true' : 'false',
      });
      await context.close();
      // Many tests use fixed historical dates: in the templates every window keeps a century of
      // snapshots, so those dates stay inside retention whenever the tests run. The retention
      // tests set the windows they test themselves.
      await withDatabase(urlFor(template), (db) =>
        db.query('UPDATE aggregate_windows SET retention_days = 36500'),
      );
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  });
  return template;
}

/** A fresh database for one test file: blank, migrated (reference data only) or with demo data. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `${prefix()}${randomBytes(5).toString('hex')}`;
  const template = kind === 'blank' ? undefined : await ensureTemplate(kind);
  await withAdmin((client) =>
    client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
  const url = urlFor(name);
  const sql = new pg.Pool({ connectionString: url, max: 4 });
  // `end()` resolves before its clients' sockets have closed, so the DROP … WITH (FORCE) below
  // can still reach one of them: the server's "terminating connection" then arrives as an idle
  // client error. That is expected while ending; at any other time it is a real failure.
  sql.on('error', (error) => {
    if (!sql.ending) throw error;
  });
  return {
    name,
    url,
    sql,
    drop: async () => {
      if (!sql.ending) await sql.end();
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
