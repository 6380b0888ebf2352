import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` while holding a PostgreSQL advisory lock, so instances starting together take
 * turns. `onWait` is called when another session holds the lock, before waiting for it.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  name: string,
  work: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      name,
    ]);
    if (!locked) {
      onWait?.();
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Runs `work` inside a transaction holding a transaction-level advisory lock, when no other
 * session holds it; otherwise returns `skipped` without waiting. The lock goes with the
 * transaction, so a process that dies mid-work releases it at once.
 */
export async function whenAdvisoryLockFree<T>(
  dataSource: DataSource,
  name: string,
  work: () => Promise<T>,
): Promise<{ done: true; result: T } | { done: false }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      const [{ locked }] = await runner.query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [name],
      );
      if (!locked) return { done: false };
      return { done: true, result: await work() };
    } finally {
      await runner.rollbackTransaction().catch(() => undefined); // nothing was written on it
    }
  } finally {
    await runner.release();
  }
}

/**
 * Like `dataSource.transaction`, with `opening` (a literal statement, e.g. taking a lock) sent
 * together with BEGIN, in one round trip.
 */
export async function transactionOpenedWith<T>(
  dataSource: DataSource,
  opening: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`BEGIN; ${opening}`);
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await runner.query('COMMIT');
    return result;
  } finally {
    await runner.release();
  }
}

/** The advisory lock instances take turns with to migrate. */
export const MIGRATIONS_LOCK = 'tally:migrations';

/**
 * Applies pending migrations, one instance at a time (`onWait`: another one is migrating).
 * Returns the names applied.
 */
export async function runMigrations(
  dataSource: DataSource,
  onWait?: () => void,
): Promise<string[]> {
  return withAdvisoryLock(
    dataSource,
    MIGRATIONS_LOCK,
    async () => {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    },
    onWait,
  );
}
