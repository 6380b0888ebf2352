import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { transactionOpenedWith } from '../database/migrate.js';
import type { RecomputeRun, RunSummary } from '../database/entities/index.js';
import { WORK_DATA_SOURCE } from '../database/pools.js';
import { Metrics } from '../metrics/metrics.service.js';
import { bucketRange } from '../snapshots/bucket-range.js';
import { isReportSlug } from '../snapshots/report-catalog.js';
import { SnapshotChanges } from '../snapshots/snapshot-changes.js';
import { SnapshotsRepository } from '../snapshots/snapshots.repository.js';
import { HeldRuns } from './held-runs.js';
import { rebuildLockStatement, RecomputeRepository } from './recompute.repository.js';
import type { OrphanRun } from './run-leases.repository.js';

export const RECOMPUTE_WORKER = 'recompute-worker';
/** Claims of one run before a run whose executor keeps dying is failed. */
export const MAX_ATTEMPTS = 3;
const MAX_ERROR_LENGTH = 1000;

/** Raised inside the rebuild transaction when this attempt no longer holds the run. */
class LostClaimError extends Error {}

/**
 * Executing runs: the guarded lifecycle `pending → running → completed | failed`, whoever
 * created the run (the API, the seed, the scheduler). The rebuild — delete + insert of the
 * snapshots, completion with its audit entry, clearing of the dirty marks it covered and the
 * change notification — is one transaction, so a failure or a lost claim changes nothing.
 */
@Injectable()
export class RunLifecycle {
  private readonly logger = new Logger('RecomputeRuns');
  /** Identifies this process as the holder of the runs it queues and claims. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private handedOver = false;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    /** Rebuilds run on the work pool: no statement timeout (see database/pools.ts). */
    @InjectDataSource(WORK_DATA_SOURCE) private readonly workDataSource: DataSource,
    private readonly runs: RecomputeRepository,
    private readonly snapshots: SnapshotsRepository,
    private readonly changes: SnapshotChanges,
    private readonly audit: AuditService,
    private readonly held: HeldRuns,
    private readonly metrics: Metrics,
  ) {}

  get leaseSeconds(): number {
    return this.config.recomputeLeaseSeconds;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Shutdown, first step: no new runs, and queued runs are not claimed any more. */
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

  /** Claims the run and rebuilds its snapshots (see the class). */
  async execute(runId: string): Promise<void> {
    // Shutting down: leave it held, so the worker hands it back to the other instances.
    if (this.stopping) return;
    try {
      const run = await this.runs.claim(runId, this.instanceId, this.leaseSeconds, MAX_ATTEMPTS);
      if (!run) return; // finished already, held by a live executor, or out of attempts
      this.held.hold(run.id, run.attempts);
      this.metrics.countRun('running', run.requestedBy);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const summary = await this.rebuild(run);
        this.changes.changedHere(run.reportSlug);
        this.logger.log(`run ${run.id} completed: ${JSON.stringify(summary)}`);
        this.metrics.countRun('completed', run.requestedBy);
        this.metrics.observeRun(run.reportSlug, run.windowName, 'completed', seconds());
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
        if (await this.markFailed(run, error)) {
          this.metrics.observeRun(run.reportSlug, run.windowName, 'failed', seconds());
        }
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
    const abandoned = await this.dataSource.transaction(async (manager) => {
      const run = await this.runs.abandon(manager, orphan.id, MAX_ATTEMPTS, message);
      if (!run) return undefined;
      this.logger.error(`run ${run.id} ${message}`);
      await this.recordOutcome(manager, run, 'recompute.failed', { error: message });
      return run;
    });
    if (abandoned) this.metrics.countRun('failed', abandoned.requestedBy);
  }

  private rebuild(run: RecomputeRun): Promise<RunSummary> {
    if (!isReportSlug(run.reportSlug)) throw new Error(`unknown report ${run.reportSlug}`);
    const range = bucketRange(run.windowName, run.dateFrom, run.dateTo);
    const scope = { reportSlug: run.reportSlug, window: run.windowName, ...range, runId: run.id };
    const lock = rebuildLockStatement(run.reportSlug, run.windowName);
    return transactionOpenedWith(this.workDataSource, lock, async (manager) => {
      const rowsDeleted = await this.snapshots.deleteRange(manager, scope);
      const inserted = await this.snapshots.insertRange(manager, scope);
      const summary: RunSummary = {
        rows_deleted: rowsDeleted,
        rows_inserted: inserted.count,
        bucket_count: range.bucketCount,
      };
      const completed = await this.runs.complete(manager, run, summary, RECOMPUTE_WORKER);
      if (!completed) throw new LostClaimError();
      const notice = this.changes.notice(run.reportSlug);
      await this.snapshots.clearDirtyDays(manager, scope, inserted.snapshot, notice);
      return summary;
    });
  }

  /** Records the failure of this attempt; false when it could not (or no longer held the run). */
  private async markFailed(run: RecomputeRun, error: unknown): Promise<boolean> {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `rebuild failed: ${reason}`.slice(0, MAX_ERROR_LENGTH);
    this.logger.error(`run ${run.id} ${message}`);
    try {
      const failed = await this.dataSource.transaction(async (manager) => {
        if (!(await this.runs.fail(manager, run.id, run.attempts, message))) return false;
        await this.recordOutcome(manager, run, 'recompute.failed', { error: message });
        return true;
      });
      if (failed) this.metrics.countRun('failed', run.requestedBy);
      return failed;
    } catch (failure) {
      // The database is unreachable: the run stays running until its lease expires, then retries.
      this.logger.error(`run ${run.id}: could not record the failure: ${String(failure)}`);
      return false;
    }
  }

  private recordOutcome(
    manager: EntityManager,
    run: RecomputeRun,
    action: 'recompute.failed',
    outcome: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      {
        actor: RECOMPUTE_WORKER,
        action,
        resourceType: 'recompute_run',
        resourceId: run.id,
        metadata: { ...runMetadata(run), attempt: run.attempts, ...outcome },
      },
      manager,
    );
  }
}

/** What the audit entries of a run name: its report, window and range. */
export function runMetadata(run: RecomputeRun): Record<string, unknown> {
  return {
    report_slug: run.reportSlug,
    window: run.windowName,
    date_from: run.dateFrom,
    date_to: run.dateTo,
  };
}
