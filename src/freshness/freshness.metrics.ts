import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Metrics } from '../metrics/metrics.service.js';
import { FreshnessService } from './freshness.service.js';

/**
 * `tally_dirty_days` and `tally_oldest_dirty_age_seconds`, read from the database at every
 * scrape. They are cleared first, so a scrape the database could not answer in time (or at all)
 * shows them absent, not as the last values read.
 */
@Injectable()
export class FreshnessMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly freshness: FreshnessService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.metrics.addSampler(async () => {
      this.metrics.dirtyDays.reset();
      this.metrics.oldestDirtyAge.reset();
      const now = this.clock.now().getTime();
      for (const scope of await this.freshness.status()) {
        const labels = [scope.report_slug, scope.window] as const;
        this.metrics.dirtyDays.labels(...labels).set(scope.dirty_days);
        const age = scope.oldest_dirty_at ? (now - scope.oldest_dirty_at.getTime()) / 1000 : 0;
        this.metrics.oldestDirtyAge.labels(...labels).set(Math.max(0, age));
      }
    });
  }
}
