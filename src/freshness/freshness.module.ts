import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RecomputeModule } from '../recompute/recompute.module.js';
import { FreshnessController } from './freshness.controller.js';
import { FreshnessMetrics } from './freshness.metrics.js';
import { FreshnessRepository } from './freshness.repository.js';
import { FreshnessService } from './freshness.service.js';
import { RefreshScheduler } from './refresh.scheduler.js';
import { RetentionPruner } from './retention.pruner.js';

/** Keeps the snapshots fresh by themselves: the refresh scheduler, retention, freshness. */
@Module({
  imports: [RecomputeModule, AuditModule],
  controllers: [FreshnessController],
  providers: [
    FreshnessRepository,
    FreshnessService,
    FreshnessMetrics,
    RefreshScheduler,
    RetentionPruner,
  ],
  exports: [FreshnessService],
})
export class FreshnessModule {}
