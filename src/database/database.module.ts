import { Global, Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { DATABASE_SERVER_PROVIDER, DatabaseServer } from './database-server.js';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations } from './migrate.js';

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
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.autoMigrate) return;
    const applied = await runMigrations(this.dataSource);
    if (applied.length > 0) this.logger.log(`applied ${applied.join(', ')}`);
  }
}

/** Connects TypeORM to the chosen PostgreSQL and applies migrations when configured to. */
@Module({
  imports: [
    DatabaseServerModule,
    TypeOrmModule.forRootAsync({
      inject: [appConfig.KEY, DatabaseServer],
      useFactory: (config: AppConfig, server: DatabaseServer) => ({
        ...dataSourceOptions(server.url, config.databasePoolSize),
        // Fail fast at start-up instead of retrying for half a minute.
        retryAttempts: 0,
      }),
    }),
  ],
  providers: [SchemaMigrator],
})
export class DatabaseModule {}
