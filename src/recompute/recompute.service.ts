import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import type { RecomputeRun, RunSummary } from '../database/entities/index.js';
import { Clock } from '../common/clock.js';
import { eventsRetentionStart, retentionProblem } from '../freshness/retention.js';
import { bucketRange, formatDay } from '../snapshots/bucket-range.js';
import { isReportSlug } from '../snapshots/report-dimensions.js';
import { SnapshotChanges } from '../snapshots/snapshot-changes.js';
import { SnapshotsRepository } from '../snapshots/snapshots.repository.js';
import { RecomputeExecutor } from './executor/recompute-executor.js';
import { HeldRuns } from './held-runs.js';
import {
  RecomputeRepository,
  type OrphanRun,
  type RunFilter,
  type RunScope,
} from './recompute.repository.js';
import { rangeProblem } from './run-scope.js';

export const RECOMPUTE_WORKER = 'recompute-worker';
/** Claims of one run before a run whose executor keeps dying is failed. */
export const MAX_ATTEMPTS = 3;
const ACTIVE_SCOPE_KEY = 'recompute_runs_active_scope_key';
const MAX_ERROR_LENGTH = 1000;

/** Raised inside the rebuild transaction when this attempt no longer holds the run. */
class LostClaimError extends Error {}

/** Raised inside the trigger transaction when the scope already has an active run. */
class ScopeBusyError extends Error {}

function scopeMetadata(run: RecomputeRun): Record<string, unknown> {
  return {
    report_slug: run.reportSlug,
    window: run.windowName,
    date_from: run.dateFrom,
    date_to: run.dateTo,
  };
}

function sqlState(error: unknown): { code?: string; constraint?: string } {
  if (!(error instanceof QueryFailedError)) return {};
  return error.driverError as { code?: string; constraint?: string };
}

/** Recompute runs: creation, and execution through the guarded lifecycle of SPEC §5. */
@Injectable()
export class RecomputeService {
  private readonly logger = new Logger(RecomputeService.name);
  /** Identifies this process as the holder of the runs it queues and claims. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private handedOver = false;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runs: RecomputeRepository,
    private readonly snapshots: SnapshotsRepository,
    private readonly changes: SnapshotChanges,
    private readonly audit: AuditService,
    private readonly executor: RecomputeExecutor,
    private readonly held: HeldRuns,
    private readonly clock: Clock,
  ) {}

  get leaseSeconds(): number {
    return this.config.recomputeLeaseSeconds;
  }

  /** Shutdown, first step: no new triggers, and queued runs are not claimed any more. */
  stopAccepting(): void {
    this.stopping = true;
  }

  /**
   * Shutdown, after the grace period: the worker hands what is still running to the other
   * instances, so an error from here on (the pool closing under a rebuild) is an interruption
   * to retry elsewhere, not a failure of the run.
   */
  handOver(): void {
    this.handedOver = true;
  }

  /**
   * `POST /recomputations`: a pending run, its `recompute.triggered` entry and the hand-over to
   * the executor in one transaction. A full queue rolls it all back (503, nothing left behind);
   * the queued task waits for the commit before it claims the run.
   */
  async trigger(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    await this.checkScope(scope);
    let settle: (committed: boolean) => void = () => undefined;
    const committed = new Promise<boolean>((resolve) => (settle = resolve));
    try {
      const run = await this.dataSource.transaction(async (manager) => {
        const run = await this.createRun(manager, scope, requestedBy);
        const task = async () => {
          if (await committed) await this.execute(run.id);
        };
        // A stopping instance takes no new runs, even while its executor still has room.
        if (this.stopping) {
          throw new ApiError(
            'service_unavailable',
            'the service is shutting down; try again later',
          );
        }
        if (!this.executor.submit(task)) {
          throw new ApiError('service_unavailable', 'the recompute queue is full; try again later');
        }
        return run;
      });
      this.held.hold(run.id);
      settle(true);
      return run;
    } catch (error) {
      settle(false);
      throw await this.explain(error, scope);
    }
  }

  /**
   * Why a run of `scope` may not be created: a bad range, an unknown report or window, or a
   * range starting before the window's retention (or before the raw events kept).
   */
  private async checkScope(scope: RunScope): Promise<void> {
    const problem = rangeProblem(scope.dateFrom, scope.dateTo, this.config.maxReportRangeDays);
    if (problem) throw ApiError.invalid(problem.message, [problem]);
    const windows = await this.runs.reportWindows(scope.reportSlug);
    if (windows.length === 0 || !isReportSlug(scope.reportSlug)) {
      throw ApiError.notFound(`report not found: ${scope.reportSlug}`);
    }
    const window = windows.find((w) => w.window === scope.window);
    if (!window) {
      const names = windows.map((w) => w.window).join(', ');
      const message = `window must be one of ${names} for ${scope.reportSlug}`;
      throw ApiError.invalid(message, [{ parameter: 'window', message }]);
    }
    const today = formatDay(this.clock.now());
    const retention = retentionProblem(scope.dateFrom, {
      today,
      reportSlug: scope.reportSlug,
      window: scope.window,
      retentionDays: window.retentionDays,
      eventsFrom: eventsRetentionStart(today, this.config.eventRetentionDays),
    });
    if (retention) throw ApiError.invalid(retention.message, [retention]);
  }

  /** Creates a run and executes it right here (the seed uses this); returns the final run. */
  async runNow(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    await this.checkScope(scope);
    const run = await this.dataSource.transaction((manager) =>
      this.createRun(manager, scope, requestedBy),
    );
    this.held.hold(run.id);
    await this.execute(run.id);
    return (await this.runs.findById(run.id))!;
  }

  async get(id: string): Promise<RecomputeRun> {
    const run = await this.runs.findById(id);
    if (!run) throw ApiError.notFound(`recompute run not found: ${id}`);
    return run;
  }

  async list(
    filter: RunFilter,
    limit: number,
    offset: number,
  ): Promise<{ items: RecomputeRun[]; total: number }> {
    const [items, total] = await Promise.all([
      this.runs.list(filter, limit, offset),
      this.runs.count(filter),
    ]);
    return { items, total };
  }

  /**
   * Claims the run and rebuilds its snapshots: delete + insert + `completed` in one
   * transaction, so a failure (or a lost claim) leaves the previous snapshots untouched.
   */
  async execute(runId: string): Promise<void> {
    // Shutting down: leave it held, so the worker hands it back to the other instances.
    if (this.stopping) return;
    try {
      const run = await this.runs.claim(runId, this.instanceId, this.leaseSeconds, MAX_ATTEMPTS);
      if (!run) return; // finished already, held by a live executor, or out of attempts
      this.held.hold(run.id, run.attempts);
      try {
        const summary = await this.rebuild(run);
        this.changes.changedHere(run.reportSlug);
        this.logger.log(`run ${run.id} completed: ${JSON.stringify(summary)}`);
      } catch (error) {
        if (error instanceof LostClaimError) {
          this.logger.warn(`run ${run.id}: attempt ${run.attempts} lost its claim; rolled back`);
          return;
        }
        if (this.handedOver) {
          this.logger.warn(
            `run ${run.id}: interrupted by shutdown; another instance will retry it`,
          );
          return;
        }
        await this.markFailed(run, error);
      }
    } finally {
      // Whatever happened, stop renewing: an unfinished run is recovered once its lease expires.
      this.held.release(runId);
    }
  }

  /** Fails a running run whose executors died `MAX_ATTEMPTS` times (its lease expired). */
  async abandon(orphan: OrphanRun): Promise<void> {
    const message =
      `abandoned after ${orphan.attempts} attempts: the instance running it stopped ` +
      `(no heartbeat before its lease expired)`;
    await this.dataSource.transaction(async (manager) => {
      const run = await this.runs.abandon(manager, orphan.id, MAX_ATTEMPTS, message);
      if (!run) return;
      this.logger.error(`run ${run.id} ${message}`);
      await this.recordOutcome(manager, run, 'recompute.failed', { error: message });
    });
  }

  private async createRun(
    manager: EntityManager,
    scope: RunScope,
    requestedBy: string,
  ): Promise<RecomputeRun> {
    const run = await this.runs.insertPending(
      manager,
      scope,
      requestedBy,
      this.instanceId,
      this.leaseSeconds,
    );
    if (!run) throw new ScopeBusyError();
    await this.audit.record(
      {
        actor: requestedBy,
        action: 'recompute.triggered',
        resourceType: 'recompute_run',
        resourceId: run.id,
        metadata: scopeMetadata(run),
      },
      manager,
    );
    return run;
  }

  /** 409 for a scope that already has an active run, naming that run while it still is. */
  private async conflict(scope: RunScope): Promise<ApiError> {
    const active = await this.runs.findActive(scope).catch(() => undefined);
    return new ApiError(
      'conflict',
      `a recompute of ${scope.reportSlug}/${scope.window} ${scope.dateFrom}..${scope.dateTo} ` +
        'is already pending or running',
      active ? [{ run_id: active.id, status: active.status }] : [],
    );
  }

  /** Turns a failed trigger into the API error it means. */
  private async explain(error: unknown, scope: RunScope): Promise<unknown> {
    const { code, constraint } = sqlState(error);
    // insertPending answers a busy scope without an error (ON CONFLICT); the 23505 branch covers
    // the index being hit any other way.
    if (error instanceof ScopeBusyError || (code === '23505' && constraint === ACTIVE_SCOPE_KEY)) {
      return this.conflict(scope);
    }
    if (code === '23503') return ApiError.notFound(`report not found: ${scope.reportSlug}`);
    return error;
  }

  private rebuild(run: RecomputeRun): Promise<RunSummary> {
    if (!isReportSlug(run.reportSlug)) throw new Error(`unknown report ${run.reportSlug}`);
    const range = bucketRange(run.windowName, run.dateFrom, run.dateTo);
    const scope = { reportSlug: run.reportSlug, window: run.windowName, ...range, runId: run.id };
    return this.dataSource.transaction(async (manager) => {
      await this.runs.lockReportWindow(manager, run.reportSlug, run.windowName);
      const rowsDeleted = await this.snapshots.deleteRange(manager, scope);
      const inserted = await this.snapshots.insertRange(manager, scope);
      const summary: RunSummary = {
        rows_deleted: rowsDeleted,
        rows_inserted: inserted.count,
        bucket_count: range.bucketCount,
      };
      if (!(await this.runs.complete(manager, run.id, run.attempts, summary))) {
        throw new LostClaimError();
      }
      await this.recordOutcome(manager, run, 'recompute.completed', { summary });
      await this.snapshots.clearDirtyDays(manager, scope, inserted.snapshot);
      await this.changes.publish(manager, run.reportSlug);
      return summary;
    });
  }

  private async markFailed(run: RecomputeRun, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `rebuild failed: ${reason}`.slice(0, MAX_ERROR_LENGTH);
    this.logger.error(`run ${run.id} ${message}`);
    try {
      await this.dataSource.transaction(async (manager) => {
        if (!(await this.runs.fail(manager, run.id, run.attempts, message))) return;
        await this.recordOutcome(manager, run, 'recompute.failed', { error: message });
      });
    } catch (failure) {
      // The database is unreachable: the run stays running until its lease expires, then retries.
      this.logger.error(`run ${run.id}: could not record the failure: ${String(failure)}`);
    }
  }

  private recordOutcome(
    manager: EntityManager,
    run: RecomputeRun,
    action: 'recompute.completed' | 'recompute.failed',
    outcome: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      {
        actor: RECOMPUTE_WORKER,
        action,
        resourceType: 'recompute_run',
        resourceId: run.id,
        metadata: { ...scopeMetadata(run), attempt: run.attempts, ...outcome },
      },
      manager,
    );
  }
}
