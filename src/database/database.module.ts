import { Global, Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { operationsConfig, type OperationsConfig } from '../config/operations.config.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { TypeOrmNestLogger } from '../logging/typeorm-logger.js';
import { DATABASE_SERVER_PROVIDER, DatabaseServer } from './database-server.js';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations } from './migrate.js';
import {
  apiPoolLimits,
  poolStats,
  WORK_DATA_SOURCE,
  workPoolLimits,
  workPoolSize,
} from './pools.js';

@Global()
@Module({
  providers: [DATABASE_SERVER_PROVIDER],
  exports: [DatabaseServer],
})
class DatabaseServerModule {}

/** Applies pending migrations before any module starts work (`APP_AUTO_MIGRATE`). */
@Injectable()
class SchemaMigrator implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource(WORK_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.autoMigrate) return;
    // Until then the service does not listen: a liveness probe fails meanwhile (see
    // docs/operations.md), so the wait is logged.
    const applied = await runMigrations(this.dataSource, () =>
      this.logger.log('another instance is migrating the database; waiting for it'),
    );
    if (applied.length > 0) this.logger.log(`applied ${applied.join(', ')}`);
  }
}

/** `tally_db_pool_*` gauges, read from both pools at every scrape. */
@Injectable()
class PoolMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly api: DataSource,
    @InjectDataSource(WORK_DATA_SOURCE) private readonly work: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.addSampler(() => {
      for (const [pool, dataSource] of [
        ['api', this.api],
        ['work', this.work],
      ] as const) {
        const stats = poolStats(dataSource);
        this.metrics.dbPoolConnections.labels(pool).set(stats.total);
        this.metrics.dbPoolIdleConnections.labels(pool).set(stats.idle);
        this.metrics.dbPoolWaitingClients.labels(pool).set(stats.waiting);
      }
    });
  }
}

/**
 * Connects TypeORM to the chosen PostgreSQL through two pools, each with the limits of its
 * purpose (see pools.ts), and applies migrations when configured to.
 */
@Module({
  imports: [
    ConfigModule.forFeature(operationsConfig),
    MetricsModule,
    DatabaseServerModule,
    TypeOrmModule.forRootAsync({
      imports: [ConfigModule.forFeature(operationsConfig)],
      inject: [appConfig.KEY, operationsConfig.KEY, DatabaseServer],
      useFactory: (config: AppConfig, operations: OperationsConfig, server: DatabaseServer) => ({
        ...dataSourceOptions(server.url, config.databasePoolSize, apiPoolLimits(operations)),
        logger: new TypeOrmNestLogger(),
        // Fail fast at start-up instead of retrying for half a minute.
        retryAttempts: 0,
      }),
    }),
    TypeOrmModule.forRootAsync({
      name: WORK_DATA_SOURCE,
      imports: [ConfigModule.forFeature(operationsConfig)],
      inject: [appConfig.KEY, operationsConfig.KEY, DatabaseServer],
      useFactory: (config: AppConfig, operations: OperationsConfig, server: DatabaseServer) => ({
        ...dataSourceOptions(
          server.url,
          workPoolSize(config.recomputeConcurrency),
          workPoolLimits(operations),
          'tally-work',
        ),
        logger: new TypeOrmNestLogger(),
        name: WORK_DATA_SOURCE,
        retryAttempts: 0,
      }),
    }),
  ],
  providers: [SchemaMigrator, PoolMetrics],
})
export class DatabaseModule {}
