import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { formatDay } from '../snapshots/bucket-range.js';
import type { FreshnessDto } from './dto/freshness.dto.js';
import { FreshnessRepository, type ScopeState } from './freshness.repository.js';
import { eventsRetentionStart, retentionStart } from './retention.js';

const MINUTE_MS = 60_000;

/** How fresh the snapshots are, per report and window (`GET /freshness`, health). */
@Injectable()
export class FreshnessService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly freshness: FreshnessRepository,
  ) {}

  async status(): Promise<FreshnessDto[]> {
    const today = formatDay(this.clock.now());
    const scopes = await this.scopes(today);
    return scopes.map((scope) => ({
      report_slug: scope.report_slug,
      window: scope.window,
      dirty_days: scope.days.length,
      oldest_dirty_at: scope.oldest_dirty_at,
      last_refreshed_at: scope.last_refreshed_at,
      next_refresh_at: scope.oldest_dirty_at
        ? new Date(scope.oldest_dirty_at.getTime() + scope.refresh_interval_minutes * MINUTE_MS)
        : null,
      refresh_interval_minutes: scope.refresh_interval_minutes,
      retention_days: scope.retention_days,
      retention_start: retentionStart(today, scope.retention_days),
    }));
  }

  /**
   * `lagging` when a dirty day has waited longer than twice its interval plus a scheduler tick
   * (the scheduler is off, failing, or cannot keep up); otherwise `ok`.
   */
  async health(): Promise<'ok' | 'lagging'> {
    const now = this.clock.now();
    const scopes = await this.scopes(formatDay(now));
    const slack = this.config.refreshTickSeconds * 1000;
    const late = scopes.some(
      (scope) =>
        scope.oldest_dirty_at !== null &&
        now.getTime() - scope.oldest_dirty_at.getTime() >
          2 * scope.refresh_interval_minutes * MINUTE_MS + slack,
    );
    return late ? 'lagging' : 'ok';
  }

  private scopes(today: string): Promise<ScopeState[]> {
    return this.freshness.scopes(
      today,
      eventsRetentionStart(today, this.config.eventRetentionDays),
    );
  }
}
