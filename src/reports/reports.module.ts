import { Module } from '@nestjs/common';
import { SnapshotsModule } from '../snapshots/snapshots.module.js';
import { CachedRunHook } from './cached-run.hook.js';
import { ReportResultCache } from './report-cache.js';
import { ReportsController } from './reports.controller.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import { RunnableReports } from './runnable-reports.js';
import { SnapshotListener } from './snapshot-listener.js';

/** The public report catalog and report runs over `metric_snapshots`, with a result cache. */
@Module({
  imports: [SnapshotsModule],
  controllers: [ReportsController],
  providers: [
    ReportsRepository,
    ReportsService,
    RunnableReports,
    ReportResultCache,
    SnapshotListener,
    CachedRunHook,
  ],
})
export class ReportsModule {}
