import { Module } from '@nestjs/common';
import { FreshnessModule } from '../freshness/freshness.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({
  imports: [FreshnessModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
