import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { retryOnDeadlock } from '../common/database-errors.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { WINDOW_NAMES } from '../database/entities/index.js';
import { withAdvisoryLock } from '../database/migrate.js';
import { WORK_DATA_SOURCE } from '../database/pools.js';
import { RecomputeService } from '../recompute/recompute.service.js';
import { addDays, formatDay } from '../snapshots/bucket-range.js';
import { REPORT_SLUGS } from '../snapshots/report-catalog.js';
import { DemoDataRepository } from './demo-data.repository.js';

export const DEMO_EVENT_COUNT = 25_000;
export const DEMO_DAYS = 90;
export const SEED_ACTOR = 'seed';

export interface SeedResult {
  seeded: boolean;
  events: number;
  runs: number;
}

/** The demo data: events generated in SQL, snapshots through the recompute path. */
@Injectable()
export class DemoDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    /** The work pool: seeding runs long, and a second instance waits on its lock. */
    @InjectDataSource(WORK_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly events: DemoDataRepository,
    private readonly recompute: RecomputeService,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.autoSeed) await this.seed();
  }

  /**
   * Loads the demo data when `analytics_events` is empty (or, with `force`, after emptying the
   * demo tables). Instances starting together take turns, so it never runs twice.
   */
  seed(options: { force?: boolean; now?: Date } = {}): Promise<SeedResult> {
    return withAdvisoryLock(this.dataSource, 'tally:seed', async () => {
      if (!options.force && (await this.events.hasAny())) {
        return { seeded: false, events: 0, runs: 0 };
      }
      const now = options.now ?? new Date();
      let started = Date.now();
      // TRUNCATE locks four tables one after another: a reader holding one of them while it
      // waits for another can deadlock with it, so that transaction is tried again.
      const events = await retryOnDeadlock(() =>
        this.dataSource.transaction(async (manager) => {
          if (options.force) await this.events.resetDemoTables(manager);
          return this.events.insertDemoEvents(manager, DEMO_EVENT_COUNT, now);
        }),
      );
      this.logger.log(`inserted ${events} demo events in ${Date.now() - started} ms`);

      const dateTo = formatDay(now);
      const dateFrom = addDays(dateTo, -DEMO_DAYS);
      let runs = 0;
      for (const reportSlug of REPORT_SLUGS) {
        for (const window of WINDOW_NAMES) {
          started = Date.now();
          const run = await this.recompute.runNow(
            { reportSlug, window, dateFrom, dateTo },
            SEED_ACTOR,
          );
          if (run.status !== 'completed') {
            throw new Error(
              `demo snapshots for ${reportSlug}/${window} failed: ${run.errorMessage}`,
            );
          }
          runs += 1;
          this.logger.log(
            `snapshots ${reportSlug}/${window} ${dateFrom}..${dateTo}: ` +
              `${run.summary!.rows_inserted} rows in ${Date.now() - started} ms`,
          );
        }
      }
      await this.audit.record({
        actor: SEED_ACTOR,
        action: 'demo.seeded',
        resourceType: 'analytics_events',
        resourceId: null,
        metadata: { events, runs, date_from: dateFrom, date_to: dateTo, force: !!options.force },
      });
      return { seeded: true, events, runs };
    });
  }
}
