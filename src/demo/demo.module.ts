import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RecomputeModule } from '../recompute/recompute.module.js';
import { DemoDataRepository } from './demo-data.repository.js';
import { DemoDataService } from './demo-data.service.js';

/** Loads the demo data at start-up (APP_AUTO_SEED) and for `npm run seed`. */
@Module({
  imports: [RecomputeModule, AuditModule],
  providers: [DemoDataService, DemoDataRepository],
  exports: [DemoDataService],
})
export class DemoModule {}
