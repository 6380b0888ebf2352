import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ApiError } from '../common/api-error.js';
import type { RecomputeRun } from '../database/entities/index.js';
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
import { ScopeCheck } from './scope-check.js';

const ACTIVE_SCOPE_KEY = 'recompute_runs_active_scope_key';
/** Creations of one run while its report's definition keeps changing under it. */
const MAX_CREATE_ATTEMPTS = 5;

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
  private readonly logger = new Logger('RecomputeService');

  constructor(
    private readonly runs: RecomputeRepository,
    private readonly scopes: ScopeCheck,
    private readonly lifecycle: RunLifecycle,
    private readonly executor: RecomputeExecutor,
    private readonly held: HeldRuns,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Creates a pending run (with its `recompute.triggered` entry) and hands it to the executor.
   * The executor's slot is taken first: a full queue or a stopping instance answers before
   * anything is written, and the queued task waits for the run to exist before it claims it.
   * The creation commits without waiting for the disk, so the executor can claim the run at
   * once; the WAL flush is waited for meanwhile, and only then does this return: a run it
   * returns (a 202) survives a server crash. (If that wait fails, the run is returned anyway,
   * with a warning logged: it exists and is executing.)
   */
  async trigger(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    const retentionDays = await this.scopes.check(scope);
    // A stopping instance takes no new runs, even while its executor still has room.
    if (this.lifecycle.isStopping) throw new ShuttingDownError();
    let created: (id: string | undefined) => void = () => undefined;
    const run = new Promise<string | undefined>((resolve) => (created = resolve));
    const task = async () => {
      const id = await run;
      if (id) await this.lifecycle.execute(id);
    };
    if (!this.executor.submit(task)) throw new QueueFullError();
    let pending: RecomputeRun;
    try {
      pending = await this.create(scope, retentionDays, requestedBy);
    } catch (error) {
      this.executor.withdraw(task); // no run (a 409, a 400…): its place in the queue is free again
      created(undefined); // in case it has started: it does nothing
      throw error;
    }
    created(pending.id); // the executor may claim it now, while the flush is waited for
    await this.runs.flushWal().catch((error: unknown) => {
      // The run exists and is executing: answering an error would have its caller retry into a
      // 409 of its own run. Its commit reaches the disk with the WAL writer's next flush.
      this.logger.warn(`run ${pending.id}: waiting for its WAL flush failed: ${String(error)}`);
    });
    return pending;
  }

  /** Creates a run and executes it right here (the seed uses this); returns the final run. */
  async runNow(scope: RunScope, requestedBy: string): Promise<RecomputeRun> {
    const retentionDays = await this.scopes.check(scope);
    const run = await this.create(scope, retentionDays, requestedBy);
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

  /**
   * The pending run, held by this instance (its lease renewed) until it is claimed. It is
   * created only while the window still has the `retentionDays` the range was checked against;
   * if the definition changed meanwhile, the scope is checked again against the database.
   */
  private async create(
    scope: RunScope,
    retentionDays: number,
    requestedBy: string,
  ): Promise<RecomputeRun> {
    let checked = retentionDays;
    for (let attempt = 1; ; attempt += 1) {
      const created = await this.insertPending(scope, checked, requestedBy);
      if (created.definitionHolds) {
        if (!created.run) throw await this.busy(scope);
        this.held.hold(created.run.id);
        this.metrics.countRun('pending', requestedBy);
        return created.run;
      }
      if (attempt === MAX_CREATE_ATTEMPTS) {
        throw new Error(`the definition of ${scope.reportSlug} kept changing; try again`);
      }
      // The window changed since it was read: check the scope again against the database.
      checked = await this.scopes.check(scope, true);
    }
  }

  private async insertPending(scope: RunScope, retentionDays: number, requestedBy: string) {
    try {
      return await this.runs.createPending(
        scope,
        retentionDays,
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
  }

  /** The 409 of a busy scope, naming its active run while it still is one. */
  private async busy(scope: RunScope): Promise<ScopeBusyError> {
    const active = await this.runs.findActive(scope).catch(() => undefined);
    return new ScopeBusyError(scope, active);
  }
}
