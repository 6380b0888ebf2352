import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuditModule } from './audit/audit.module.js';
import { ClockModule } from './common/clock.js';
import { SecretsModule } from './common/secrets.js';
import { appConfig } from './config/app.config.js';
import { operationsConfig } from './config/operations.config.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoModule } from './demo/demo.module.js';
import { EventsModule } from './events/events.module.js';
import { FreshnessModule } from './freshness/freshness.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RecomputeModule } from './recompute/recompute.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { SnapshotsModule } from './snapshots/snapshots.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [appConfig, operationsConfig],
    }),
    ClockModule,
    SecretsModule,
    MetricsModule,
    DatabaseModule,
    EventsModule,
    SnapshotsModule,
    ReportsModule,
    RecomputeModule,
    FreshnessModule,
    AuditModule,
    HealthModule,
    DemoModule,
  ],
})
export class AppModule {}
