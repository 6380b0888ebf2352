import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { FreshnessRepository, type ScopeState } from './freshness.repository.js';
import { eventsRetentionStart, retentionStart } from './retention.js';

/** Rows deleted per statement: short transactions, whatever the backlog. */
export const PRUNE_BATCH = 10_000;

export const RETENTION_ACTOR = 'scheduler';

/**
 * Retention, run by the scheduler: snapshot buckets that start before their window's retention
 * start, and (with EVENT_RETENTION_DAYS) raw events older than that, deleted in batches and
 * audited (`snapshots.pruned`, `events.pruned`); marks of days that are never refreshed any more
 * are dropped.
 */
@Injectable()
export class RetentionPruner {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly freshness: FreshnessRepository,
    private readonly audit: AuditService,
  ) {}

  async prune(today: string, scopes: readonly ScopeState[]): Promise<void> {
    for (const scope of scopes) {
      const before = retentionStart(today, scope.retention_days);
      const rows = await this.inBatches(() =>
        this.freshness.pruneSnapshots(scope.report_slug, scope.window, before, PRUNE_BATCH),
      );
      if (rows === 0) continue;
      this.logger.log(
        `pruned ${rows} snapshot rows of ${scope.report_slug}/${scope.window} before ${before}`,
      );
      await this.audit.record({
        actor: RETENTION_ACTOR,
        action: 'snapshots.pruned',
        resourceType: 'metric_snapshots',
        resourceId: null,
        metadata: { report_slug: scope.report_slug, window: scope.window, before, rows },
      });
    }
    const eventsFrom = eventsRetentionStart(today, this.config.eventRetentionDays);
    if (eventsFrom !== undefined) {
      const rows = await this.inBatches(() => this.freshness.pruneEvents(eventsFrom, PRUNE_BATCH));
      if (rows > 0) {
        this.logger.log(`pruned ${rows} raw events before ${eventsFrom}`);
        await this.audit.record({
          actor: RETENTION_ACTOR,
          action: 'events.pruned',
          resourceType: 'analytics_events',
          resourceId: null,
          metadata: { before: eventsFrom, rows },
        });
      }
    }
    await this.freshness.dropMarksOutsideRetention(today, eventsFrom);
  }

  /** Repeats `step` until it deletes less than a batch; returns the rows deleted. */
  private async inBatches(step: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await step();
      total += rows;
      if (rows < PRUNE_BATCH) return total;
    }
  }
}
