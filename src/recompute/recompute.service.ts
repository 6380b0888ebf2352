import { Inject, Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ApiError } from '../common/api-error.js';
import { dayRangeProblem } from '../common/input-rules.js';
import { Clock } from '../common/clock.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import type { RecomputeRun } from '../database/entities/index.js';
import { eventsRetentionStart, retentionProblem } from '../freshness/retention.js';
import { formatDay } from '../snapshots/bucket-range.js';
import { isReportSlug } from '../snapshots/report-catalog.js';
import { Metrics } from '../metrics/metrics.service.js';
import { RecomputeExecutor } from './executor/recompute-executor.js';
import { HeldRuns } from './held-runs.js';
import {
  QueueFullError,
  ReportNotFoundError,
  ScopeBusyError,
  ShuttingDownError,
} from './recompute.errors.js';
import { RecomputeRepository, type RunFilter, type RunScope } from './recompute.repository.js';
import { RunLifecycle } from './run-lifecycle.js';

const ACTIVE_SCOPE_KEY = 'recompute_runs_active_scope_key';

function sqlState(error: unknown): { code?: string; constraint?: string } {
  if (!(error instanceof QueryFailedError)) return {};
  return error.driverError as { code?: string; constraint?: string };
}

/**
 * Recompute runs: creating them (for the API, the seed and the scheduler alike) and reading
 * them. Creation throws domain errors (`ScopeBusyError`, `QueueFullError`, …) that the exception
 * filter maps to the envelope; executing is RunLifecycle's.
 */
@Injectable()
export class RecomputeService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly runs: RecomputeRepository,
    private readonly lifecycle: RunLifecycle,
    private readonly executor: RecomputeExecutor,
    private readonly held: HeldRuns,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Creates a pending run (with its `recompute.triggered` entry) and hands it to the executor.
   * The executor's slot is taken first: a full queue or a stopping instance answers before
   * anything is written, and the queued task waits for the run to exist before it claims it.
   */
  async trigger(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    await this.checkScope(scope);
    // A stopping instance takes no new runs, even while its executor still has room.
    if (this.lifecycle.isStopping) throw new ShuttingDownError();
    let created: (id: string | undefined) => void = () => undefined;
    const run = new Promise<string | undefined>((resolve) => (created = resolve));
    const task = async () => {
      const id = await run;
      if (id) await this.lifecycle.execute(id);
    };
    if (!this.executor.submit(task)) throw new QueueFullError();
    try {
      const pending = await this.create(scope, requestedBy);
      created(pending.id);
      return pending;
    } catch (error) {
      created(undefined);
      throw error;
    }
  }

  /** Creates a run and executes it right here (the seed uses this); returns the final run. */
  async runNow(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    await this.checkScope(scope);
    const run = await this.create(scope, requestedBy);
    await this.lifecycle.execute(run.id);
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

  /** The pending run, held by this instance (its lease renewed) until it is claimed. */
  private async create(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    let run: RecomputeRun | undefined;
    try {
      run = await this.runs.createPending(
        scope,
        requestedBy,
        this.lifecycle.instanceId,
        this.lifecycle.leaseSeconds,
      );
    } catch (error) {
      const { code, constraint } = sqlState(error);
      // createPending answers a busy scope without an error (ON CONFLICT); this covers the
      // index being hit any other way.
      if (code === '23505' && constraint === ACTIVE_SCOPE_KEY) throw await this.busy(scope);
      if (code === '23503') throw new ReportNotFoundError(scope.reportSlug);
      throw error;
    }
    if (!run) throw await this.busy(scope);
    this.held.hold(run.id);
    this.metrics.countRun('pending', requestedBy);
    return run;
  }

  /**
   * Why a run of `scope` may not be created: a bad range, an unknown report or window, or a
   * range starting before the window's retention (or before the raw events kept).
   */
  private async checkScope(scope: RunScope): Promise<void> {
    const problem = dayRangeProblem(scope.dateFrom, scope.dateTo, this.config.maxReportRangeDays);
    if (problem) throw ApiError.problems([problem]);
    const windows = await this.runs.reportWindows(scope.reportSlug);
    if (windows.length === 0 || !isReportSlug(scope.reportSlug)) {
      throw new ReportNotFoundError(scope.reportSlug);
    }
    const window = windows.find((w) => w.window === scope.window);
    if (!window) {
      const names = windows.map((w) => w.window).join(', ');
      const message = `window must be one of ${names} for ${scope.reportSlug}`;
      throw ApiError.problems([{ parameter: 'window', message }]);
    }
    const today = formatDay(this.clock.now());
    const retention = retentionProblem(scope.dateFrom, {
      today,
      reportSlug: scope.reportSlug,
      window: scope.window,
      retentionDays: window.retentionDays,
      eventsFrom: eventsRetentionStart(today, this.config.eventRetentionDays),
    });
    if (retention) throw ApiError.problems([retention]);
  }

  /** The 409 of a busy scope, naming its active run while it still is one. */
  private async busy(scope: RunScope): Promise<ScopeBusyError> {
    const active = await this.runs.findActive(scope).catch(() => undefined);
    return new ScopeBusyError(scope, active);
  }
}
