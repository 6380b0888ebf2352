import { rm } from 'node:fs/promises';
import pg from 'pg';

export default async function globalTeardown() {
  const adminUrl = process.env.TALLY_TEST_ADMIN_URL;
  if (adminUrl && process.env.DATABASE_URL) {
    // On a shared server, leave nothing behind.
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `tally\\_test\\_${process.env.TALLY_TEST_RUN}\\_%`,
    ]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await client.end();
  }
  await globalThis.__TALLY_TEST_PG__?.stop();
  if (globalThis.__TALLY_TEST_PG_DIR__) {
    await rm(globalThis.__TALLY_TEST_PG_DIR__, { recursive: true, force: true });
  }
}
