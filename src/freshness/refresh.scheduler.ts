import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { Repeater } from '../common/repeater.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import type { RecomputeRun } from '../database/entities/index.js';
import { whenAdvisoryLockFree, withAdvisoryLock } from '../database/migrate.js';
import {
  QueueFullError,
  ScopeBusyError,
  ShuttingDownError,
} from '../recompute/recompute.errors.js';
import { RecomputeService } from '../recompute/recompute.service.js';
import { formatDay } from '../snapshots/bucket-range.js';
import { FreshnessRepository, type ScopeState } from './freshness.repository.js';
import { planRanges } from './refresh-plan.js';
import { eventsRetentionStart } from './retention.js';
import { RetentionPruner } from './retention.pruner.js';

export const SCHEDULER_ACTOR = 'scheduler';
const SCHEDULER_LOCK = 'tally:refresh-scheduler';

/**
 * The refresh scheduler of one instance (REFRESH_ENABLED; every REFRESH_TICK_SECONDS). Each
 * round runs under a database lock, so exactly one instance acts at a time however many run:
 * retention first, then, for every report and window whose oldest dirty day would pass its
 * `refresh_interval_minutes` before the next round, ordinary recompute runs (requested by
 * `scheduler`) over the merged ranges of its dirty days. A report and window with a run still
 * pending or running waits for the next round.
 */
@Injectable()
export class RefreshScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RefreshScheduler');
  private readonly loop: Repeater;
  private lastError: string | undefined;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly freshness: FreshnessRepository,
    private readonly pruner: RetentionPruner,
    private readonly recompute: RecomputeService,
  ) {
    this.loop = new Repeater(config.refreshTickSeconds * 1000, () => this.scheduledTick());
  }

  onApplicationBootstrap(): void {
    if (this.config.refreshEnabled) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One round, unless another instance is in one (then undefined): retention, then the runs of
   * every report and window that is due. Returns the runs created.
   */
  async tick(): Promise<RecomputeRun[] | undefined> {
    const outcome = await whenAdvisoryLockFree(this.dataSource, SCHEDULER_LOCK, () =>
      this.round(false),
    );
    return outcome.done ? outcome.result : undefined;
  }

  /**
   * `POST /refresh`: runs for every dirty bucket now, whatever the intervals, requested by
   * `actor` (the caller's `X-Actor`, else `scheduler`); like a round, it leaves a report and
   * window with a run pending or running to that run.
   */
  refreshNow(actor = SCHEDULER_ACTOR): Promise<RecomputeRun[]> {
    return withAdvisoryLock(this.dataSource, SCHEDULER_LOCK, () => this.round(true, actor));
  }

  private async scheduledTick(): Promise<void> {
    try {
      const runs = await this.tick();
      if (runs?.length) this.logger.log(`scheduled ${runs.length} refresh run(s)`);
      if (this.lastError !== undefined) this.logger.log('the refresh scheduler works again');
      this.lastError = undefined;
    } catch (error) {
      const message = String(error);
      if (message !== this.lastError) this.logger.error(`refresh round failed: ${message}`);
      this.lastError = message;
    }
  }

  private async round(force: boolean, actor = SCHEDULER_ACTOR): Promise<RecomputeRun[]> {
    const now = this.clock.now();
    const today = formatDay(now);
    const eventsFrom = eventsRetentionStart(today, this.config.eventRetentionDays);
    if (!force) await this.pruner.prune(today, await this.freshness.scopes(today, eventsFrom));
    const runs: RecomputeRun[] = [];
    for (const scope of await this.freshness.scopes(today, eventsFrom)) {
      if (scope.days.length === 0) continue;
      // A run in progress may still clear these marks: the next round sees what it left.
      if (scope.busy || (!force && !this.isDue(scope, now))) continue;
      for (const range of planRanges(scope.window, scope.days, this.config.maxReportRangeDays)) {
        const outcome = await this.create(scope, range, actor);
        if (outcome === 'stop') return runs;
        if (outcome) runs.push(outcome);
      }
    }
    return runs;
  }

  /** Due when the oldest dirty day would pass its interval before the next round. */
  private isDue(scope: ScopeState, now: Date): boolean {
    if (!scope.oldest_dirty_at) return false;
    const deadline = scope.oldest_dirty_at.getTime() + scope.refresh_interval_minutes * 60_000;
    return deadline - this.config.refreshTickSeconds * 1000 <= now.getTime();
  }

  /**
   * A run for the range; undefined when that range already has one, or cannot have one (a
   * definition changed by hand since the round read it: logged, and the round goes on with the
   * other scopes); 'stop' when no room. Database errors end the round.
   */
  private async create(
    scope: ScopeState,
    range: { dateFrom: string; dateTo: string },
    actor: string,
  ): Promise<RecomputeRun | undefined | 'stop'> {
    try {
      return await this.recompute.trigger(
        { reportSlug: scope.report_slug, window: scope.window, ...range },
        actor,
      );
    } catch (error) {
      if (error instanceof ScopeBusyError) return undefined;
      if (error instanceof QueueFullError || error instanceof ShuttingDownError) return 'stop';
      if (!(error instanceof ApiError)) throw error;
      const { report_slug: report, window } = scope;
      this.logger.warn(
        `no refresh run for ${report}/${window} ${range.dateFrom}..${range.dateTo}: ${error.message}`,
      );
      return undefined;
    }
  }
}
