import type { DataSource } from 'typeorm';
import type { OperationsConfig } from '../config/operations.config.js';
import type { PoolLimits } from './data-source-options.js';

/**
 * The service talks to PostgreSQL through two pools, each with the limits of its purpose:
 *
 * - the API pool (the default `DataSource`, `DATABASE_POOL_SIZE` connections): requests and
 *   short background work (leases, claims, audit). Every statement is bounded on the server by
 *   `statement_timeout` = REPORT_QUERY_TIMEOUT_MS (report reads are the long ones), and on the
 *   client: a query with no answer a second after that is abandoned and its connection dropped,
 *   so a frozen or unreachable database costs a request at most that long (then 503), and the
 *   pool recovers by itself once the database answers again.
 * - the work pool (`WORK_DATA_SOURCE`, RECOMPUTE_CONCURRENCY + 2 connections): rebuilds,
 *   migrations and the demo seed, whose statements legitimately run for minutes on large data
 *   (a year of top-entities at 1M events takes ~30 s) and which wait on advisory locks while
 *   another instance migrates or seeds. No statement or client timeout: a stuck rebuild is
 *   taken over by another instance when its lease expires.
 *
 * Both wait at most DATABASE_CONNECT_TIMEOUT_MS for a connection.
 */
export const WORK_DATA_SOURCE = 'work';

/** Margin between the server's `statement_timeout` and the client giving up on a query. */
export const CLIENT_TIMEOUT_MARGIN_MS = 1000;

export function apiPoolLimits(config: OperationsConfig): PoolLimits {
  return {
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: config.reportQueryTimeoutMs,
    queryTimeoutMs: config.reportQueryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
  };
}

export function workPoolLimits(config: OperationsConfig): PoolLimits {
  return {
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: 0,
    queryTimeoutMs: 0,
  };
}

/** A rebuild per executor slot, plus the migration lock and the migration itself. */
export function workPoolSize(recomputeConcurrency: number): number {
  return recomputeConcurrency + 2;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Connections of a data source's pool: open, idle, and queries waiting for one. */
export function poolStats(dataSource: DataSource): {
  total: number;
  idle: number;
  waiting: number;
} {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  return {
    total: pool?.totalCount ?? 0,
    idle: pool?.idleCount ?? 0,
    waiting: pool?.waitingCount ?? 0,
  };
}
