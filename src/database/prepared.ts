import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';

/**
 * A statement each connection parses and plans once: a named prepared statement. For the short
 * bookkeeping statements every recompute run sends, parsing and planning cost more than running
 * them (a run's creation: about 0.3 ms sent as text, 0.08 ms prepared, measured on PostgreSQL
 * 15). The name must be unique in the process and the text fixed.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface PgClient {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Runs `statement` with `values` on the connection of `on`: a data source's pooled connection
 * (taken for this statement), or the transaction of an entity manager. Returns its rows; errors
 * are TypeORM's, as for any other query (a failed statement is a `QueryFailedError`).
 */
export async function queryPrepared<T>(
  on: DataSource | EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const runner = on instanceof DataSource ? on.createQueryRunner() : on.queryRunner;
  if (!runner) throw new Error(`prepared statement ${statement.name} needs a connection`);
  try {
    const client = (await runner.connect()) as PgClient;
    const result = await client.query({ ...statement, values }).catch((error: unknown) => {
      throw error instanceof Error ? new QueryFailedError(statement.text, values, error) : error;
    });
    return result.rows as T[];
  } finally {
    if (on instanceof DataSource) await runner.release();
  }
}
