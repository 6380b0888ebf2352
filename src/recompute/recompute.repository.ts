import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared.js';
import { CLAIM, COMPLETE, CREATE_PENDING, FLUSH_WAL, RUN_COLUMNS } from './run-statements.js';
import type {
  RecomputeRun,
  RunStatus,
  RunSummary,
  WindowName,
} from '../database/entities/index.js';

export interface RunScope {
  reportSlug: string;
  window: WindowName;
  dateFrom: string;
  dateTo: string;
}

export interface RunFilter {
  status?: RunStatus;
  reportSlug?: string;
}

/** A window of a report definition and its snapshot retention. */
export interface ReportWindow {
  window: WindowName;
  retentionDays: number;
}

const LIST_WHERE = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR report_slug = $2)`;

/**
 * Lifecycle SQL for `recompute_runs`; every transition is guarded in its WHERE clause, so it
 * holds whichever process (or instance) runs it. UPDATEs sit in a CTE so TypeORM hands back
 * plain rows.
 */
@Injectable()
export class RecomputeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates a pending run leased to `owner` (the process that queues it) with its audit entry
   * `recompute.triggered`, in one statement (so one round trip, and atomic without a
   * transaction), provided the scope's window still has `retentionDays` (what the caller
   * checked the range against; `definitionHolds` false and nothing created otherwise). `run` is
   * undefined when the scope already has a pending or running run: the partial unique index
   * `recompute_runs_active_scope_key` arbitrates, also between concurrent transactions and
   * instances (a concurrent insert waits for the other to commit or roll back). The audit entry
   * is written here rather than through AuditService to save that round trip; its shape is the
   * one AuditService writes. The commit does not wait for its WAL flush (`synchronous_commit`
   * off for this statement's transaction): the caller waits for it with `flushWal` while the
   * run is already being claimed. A run lost with an unflushed commit in a server crash was
   * never promised to anyone.
   */
  async createPending(
    scope: RunScope,
    retentionDays: number,
    requestedBy: string,
    owner: string,
    leaseSeconds: number,
  ): Promise<{ definitionHolds: boolean; run: RecomputeRun | undefined }> {
    const [row] = await queryPrepared<{ definitionHolds: boolean } & RecomputeRun>(
      this.dataSource,
      CREATE_PENDING,
      [
        scope.reportSlug,
        scope.window,
        scope.dateFrom,
        scope.dateTo,
        requestedBy,
        owner,
        leaseSeconds,
        retentionDays,
      ],
    );
    const { definitionHolds, ...run } = row as { definitionHolds: boolean } & RecomputeRun;
    return { definitionHolds, run: run.id ? run : undefined };
  }

  /**
   * Waits until PostgreSQL has flushed its WAL to disk up to now, so every transaction committed
   * before (`createPending`'s, which does not wait for its flush) survives a server crash. A
   * commit that wrote WAL is flushed up to its record, and the WAL is flushed in order; the
   * smallest such commit is a transactional logical-decoding message (a WAL record no reader
   * needs: nothing is stored, nothing is locked).
   */
  async flushWal(): Promise<void> {
    await queryPrepared(this.dataSource, FLUSH_WAL, []);
  }

  /** The windows a report definition offers, with their retention (none: no such report). */
  reportWindows(slug: string): Promise<ReportWindow[]> {
    return this.dataSource.query(
      `SELECT w.window_name AS "window", w.retention_days AS "retentionDays"
         FROM report_definitions r JOIN aggregate_windows w ON w.report_slug = r.slug
        WHERE r.slug = $1 ORDER BY w.window_name`,
      [slug],
    );
  }

  async findById(id: string): Promise<RecomputeRun | undefined> {
    const [run] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM recompute_runs WHERE id = $1`,
      [id],
    );
    return run;
  }

  /** The pending or running run of a scope, if any. */
  async findActive(scope: RunScope): Promise<RecomputeRun | undefined> {
    const [run] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM recompute_runs
        WHERE report_slug = $1 AND window_name = $2 AND date_from = $3 AND date_to = $4
          AND status IN ('pending', 'running')`,
      [scope.reportSlug, scope.window, scope.dateFrom, scope.dateTo],
    );
    return run;
  }

  /** One page of runs, newest first. */
  list(filter: RunFilter, limit: number, offset: number): Promise<RecomputeRun[]> {
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM recompute_runs WHERE ${LIST_WHERE}
        ORDER BY requested_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [filter.status ?? null, filter.reportSlug ?? null, limit, offset],
    );
  }

  async count(filter: RunFilter): Promise<number> {
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM recompute_runs WHERE ${LIST_WHERE}`,
      [filter.status ?? null, filter.reportSlug ?? null],
    );
    return total;
  }

  /**
   * pending → running (or a takeover of a running run whose lease expired, while attempts
   * remain). Returns the claimed run with its new attempt number, or undefined when the run is
   * finished, held by a live executor, or out of attempts.
   *
   * The claim commits without waiting for its WAL flush (`synchronous_commit` off for this
   * statement's transaction only): it saves a disk flush per run, and a claim lost in a server
   * crash costs nothing: the run is pending again, and its lease lapses and it is recovered as
   * any orphan. The rebuild's own commit is flushed, and the WAL is flushed in order, so a
   * completed run never outlives its claim.
   */
  async claim(
    id: string,
    owner: string,
    leaseSeconds: number,
    maxAttempts: number,
  ): Promise<RecomputeRun | undefined> {
    const [run] = await queryPrepared<RecomputeRun>(this.dataSource, CLAIM, [
      id,
      owner,
      leaseSeconds,
      maxAttempts,
    ]);
    return run;
  }

  /**
   * running → completed, only for the attempt holding the run, with its audit entry
   * `recompute.completed` (actor `actor`) in the same statement; false when it lost the run.
   */
  async complete(
    manager: EntityManager,
    run: RecomputeRun,
    summary: RunSummary,
    actor: string,
  ): Promise<boolean> {
    const rows = await queryPrepared(manager, COMPLETE, [
      run.id,
      run.attempts,
      JSON.stringify(summary),
      actor,
    ]);
    return rows.length === 1;
  }

  /** running → failed, only for the attempt holding the run; false when it lost the run. */
  async fail(
    manager: EntityManager,
    id: string,
    attempt: number,
    message: string,
  ): Promise<boolean> {
    const rows = await manager.query(
      `WITH failed AS (
       UPDATE recompute_runs
          SET status = 'failed', finished_at = clock_timestamp(), error_message = $3, lease_expires_at = NULL
        WHERE id = $1 AND status = 'running' AND attempts = $2
        RETURNING 1)
       SELECT * FROM failed`,
      [id, attempt, message],
    );
    return rows.length === 1;
  }

  /**
   * running → failed for a run whose executor died on its last allowed attempt (lease expired,
   * attempts used up). Returns the run as it was, or undefined when it no longer qualifies.
   */
  async abandon(
    manager: EntityManager,
    id: string,
    maxAttempts: number,
    message: string,
  ): Promise<RecomputeRun | undefined> {
    const [run] = await manager.query(
      `WITH abandoned AS (
       UPDATE recompute_runs
          SET status = 'failed', finished_at = clock_timestamp(), error_message = $3, lease_expires_at = NULL
        WHERE id = $1 AND status = 'running' AND attempts >= $2
          AND (lease_expires_at IS NULL OR lease_expires_at < now())
        RETURNING ${RUN_COLUMNS})
       SELECT * FROM abandoned`,
      [id, maxAttempts, message],
    );
    return run;
  }
}

/**
 * The statement that serializes rebuilds of one report and window for the rest of the
 * transaction, so two runs with overlapping ranges never insert the same bucket at once. A
 * literal (it opens the transaction in the same round trip as BEGIN); report slugs and window
 * names are catalog names, checked here to stay plain.
 */
export function rebuildLockStatement(reportSlug: string, window: string): string {
  const key = `tally:rebuild:${reportSlug}:${window}`;
  if (!/^[a-z0-9:-]+$/.test(key)) throw new Error(`unexpected rebuild scope ${key}`);
  return `SELECT pg_advisory_xact_lock(hashtext('${key}'))`;
}
