import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  EmbeddedPostgresError,
  makeDir,
  stopOrphan,
  type Binaries,
  type RunAs,
} from './postgres-process.js';

/*
 * PostgreSQL refuses to run as root. Run as root, the embedded server runs as the unprivileged
 * `postgres` system user (created when missing), which must be able to reach its binaries and
 * its data directory. In a clone inside a directory closed to it (a 0700 home such as /root)
 * it cannot, so what it cannot reach is staged in the stage directory (EMBEDDED_PG_STAGE_DIR):
 * the binaries are copied there once per version, the data directory is created there and
 * EMBEDDED_PG_DIR becomes a link to it. Nothing of the user's own is re-permissioned.
 */

const run = promisify(execFile);
const POSTGRES_USER = 'postgres';

export const isRoot = (): boolean => process.getuid?.() === 0;

async function lookUp(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    return undefined;
  }
}

/** The `postgres` system user, created (with its group) when missing. */
export async function postgresUser(): Promise<RunAs> {
  const found = await lookUp(POSTGRES_USER);
  if (found) return found;
  try {
    await run('groupadd', ['-f', '--system', POSTGRES_USER]);
    await run('useradd', ['--system', '--gid', POSTGRES_USER, '--no-create-home', POSTGRES_USER]);
  } catch (error) {
    const reason = ((error as { stderr?: string }).stderr || (error as Error).message).trim();
    throw new EmbeddedPostgresError(
      `as root, embedded PostgreSQL runs as the "${POSTGRES_USER}" user, and creating it failed ` +
        `(${reason.split('\n')[0]}): create that user, run as a normal user, or set DATABASE_URL`,
    );
  }
  const created = await lookUp(POSTGRES_USER);
  if (!created)
    throw new EmbeddedPostgresError(`user "${POSTGRES_USER}" was created but not found`);
  return created;
}

/** Whether `user` can reach `target` (search every directory on the way, and `target` itself). */
export function canReach(user: RunAs, target: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn('test', ['-x', target], { ...user, stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('exit', (code) => resolve(code === 0));
  });
}

async function stageDirFor(user: RunAs, stageDir: string, sub: string): Promise<string> {
  const dir = path.join(path.resolve(stageDir), sub);
  await makeDir(path.resolve(stageDir), 0o755);
  await makeDir(dir, 0o755);
  if (!(await canReach(user, dir))) {
    throw new EmbeddedPostgresError(
      `the "${POSTGRES_USER}" user cannot reach ${dir}: set EMBEDDED_PG_STAGE_DIR to a directory ` +
        'every user can reach, or set DATABASE_URL',
    );
  }
  return dir;
}

/** Copies a tree, links as links, with modes every user can read (and run, where executable). */
async function copyOpenTree(from: string, to: string): Promise<void> {
  await makeDir(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyOpenTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else {
      await copyFile(source, target);
      await chmod(target, (await stat(source)).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * The binaries themselves when `user` can run them, else a copy of them in the stage
 * directory (made once per version; a half-made copy is never used).
 */
export async function reachableBinaries(
  user: RunAs,
  installed: Binaries,
  stageDir: string,
  log: (message: string) => void,
): Promise<Binaries> {
  if (await canReach(user, path.join(installed.root, 'bin', 'postgres'))) return installed;
  const root = path.join(await stageDirFor(user, stageDir, 'binaries'), installed.version);
  const staged = { root, version: installed.version };
  if (await canReach(user, path.join(root, 'bin', 'postgres'))) return staged;
  log(`the "${POSTGRES_USER}" user cannot reach ${installed.root}: copying it to ${root}`);
  const partial = `${root}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await copyOpenTree(installed.root, partial);
  try {
    await rename(partial, root);
  } catch (error) {
    // Another start staged the same version at the same time: use theirs.
    await rm(partial, { recursive: true, force: true });
    if (!(await canReach(user, path.join(root, 'bin', 'postgres')))) throw error;
  }
  return staged;
}

/**
 * The directory PostgreSQL is given for the data of `dataDir`: `dataDir` itself when `user`
 * can reach it, else a directory in the stage directory that `dataDir` links to (created on
 * first use; the link's target on later starts). An existing directory that `user` cannot
 * reach is not moved: that is an error naming it.
 */
export async function reachableDataDir(
  user: RunAs,
  dataDir: string,
  stageDir: string,
  log: (message: string) => void,
): Promise<string> {
  const existing = await lstat(dataDir).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    return path.resolve(path.dirname(dataDir), await readlink(dataDir));
  }
  await makeDir(path.dirname(dataDir));
  if (await canReach(user, path.dirname(dataDir))) return dataDir;
  if (existing) {
    throw new EmbeddedPostgresError(
      `as root, embedded PostgreSQL runs as the "${POSTGRES_USER}" user, which cannot reach ` +
        `${dataDir} (a directory above it is closed to that user); move it, set ` +
        'EMBEDDED_PG_DIR elsewhere, or set DATABASE_URL',
    );
  }
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const target = path.join(await stageDirFor(user, stageDir, 'data'), digest);
  try {
    // The link is the claim: of two starts racing on a fresh directory, one makes it.
    await symlink(target, dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return target;
    throw error;
  }
  // A target without its link is what is left of a data directory that was deleted.
  await stopOrphan(target, log);
  await rm(target, { recursive: true, force: true });
  log(`the "${POSTGRES_USER}" user cannot reach ${dataDir}: its data lives in ${target}`);
  return target;
}
