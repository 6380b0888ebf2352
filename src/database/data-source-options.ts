import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

// Counts and ids are bigint in PostgreSQL; every value Tally stores fits a JS number exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// `date` columns are calendar days: keep 'YYYY-MM-DD' instead of a local-midnight Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/** How long a pool waits for PostgreSQL; see "Timeouts" in docs/operations.md. */
export interface PoolLimits {
  /** Opening a connection, or waiting for a pooled one. */
  connectTimeoutMs: number;
  /** `statement_timeout` of the pool's sessions (server side); 0 for none. */
  statementTimeoutMs: number;
  /**
   * How long the client waits for the answer to a query before it gives up and drops the
   * connection (a frozen or unreachable server never answers); 0 to wait for ever.
   */
  queryTimeoutMs: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = {
  connectTimeoutMs: 5000,
  statementTimeoutMs: 0,
  queryTimeoutMs: 0,
};

function isClientTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/**
 * pg's client, except that a query it gave up on (`query_timeout`) also closes the connection:
 * the server may never answer it (frozen, partitioned), and the queries queued behind it on
 * that connection would wait for it. The pool then drops the client and opens a fresh one
 * once the server answers again.
 */
class BoundedClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as (...a: any[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (isClientTimeout(error)) this.connection.stream.destroy();
      });
    }
    return result;
  }
}

/** The one set of TypeORM options, shared by the app, the CLI data source and the tests. */
export function dataSourceOptions(
  url: string,
  poolSize: number,
  limits: PoolLimits = DEFAULT_POOL_LIMITS,
  applicationName = 'tally',
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // The migrations create what the schema needs (gen_random_uuid() is built in since
    // PostgreSQL 13); TypeORM must not try to install extensions (a non-superuser cannot).
    installExtensions: false,
    logging: ['error', 'migration'],
    extra: {
      max: poolSize,
      connectionTimeoutMillis: limits.connectTimeoutMs,
      ...(limits.statementTimeoutMs > 0 && { statement_timeout: limits.statementTimeoutMs }),
      ...(limits.queryTimeoutMs > 0 && {
        query_timeout: limits.queryTimeoutMs,
        Client: BoundedClient,
      }),
      keepAlive: true,
      // Keep one rogue statement from holding a pooled connection for ever.
      idle_in_transaction_session_timeout: 60000,
      application_name: applicationName,
    },
  };
}
