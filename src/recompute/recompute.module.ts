import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SnapshotsModule } from '../snapshots/snapshots.module.js';
import { InProcessExecutor } from './executor/in-process.executor.js';
import { RecomputeExecutor } from './executor/recompute-executor.js';
import { HeldRuns } from './held-runs.js';
import { RecomputeController } from './recompute.controller.js';
import { RecomputeRepository } from './recompute.repository.js';
import { RecomputeService } from './recompute.service.js';
import { RunLeasesRepository } from './run-leases.repository.js';
import { ScopeCheck } from './scope-check.js';
import { RecomputeWorker } from './recompute.worker.js';
import { RunLifecycle } from './run-lifecycle.js';

/** Recompute runs: the management API, the guarded lifecycle, the executor and the worker. */
@Module({
  imports: [SnapshotsModule, AuditModule],
  controllers: [RecomputeController],
  providers: [
    RecomputeRepository,
    RunLeasesRepository,
    RecomputeService,
    ScopeCheck,
    RunLifecycle,
    RecomputeWorker,
    HeldRuns,
    { provide: RecomputeExecutor, useClass: InProcessExecutor },
  ],
  exports: [RecomputeService],
})
export class RecomputeModule {}
