import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';
import { WORK_DATA_SOURCE } from './pools.js';

/**
 * The PostgreSQL the service talks to: `DATABASE_URL` when set, otherwise an embedded server
 * started here and stopped after the app (and its connection pool) has closed.
 */
@Injectable()
export class DatabaseServer implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  constructor(
    readonly url: string,
    private readonly embedded: EmbeddedServer | undefined,
    private readonly moduleRef: ModuleRef,
  ) {}

  static async start(config: AppConfig, moduleRef: ModuleRef): Promise<DatabaseServer> {
    if (config.databaseUrl) return new DatabaseServer(config.databaseUrl, undefined, moduleRef);
    const embedded = await startEmbeddedPostgres({
      dataDir: config.embeddedPgDir,
      stageDir: config.embeddedPgStageDir,
      log: (message) => DatabaseServer.logger.log(message),
    });
    return new DatabaseServer(embedded.url, embedded, moduleRef);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    // Close the pools before the server goes away, whichever shutdown hook runs first.
    for (const name of [undefined, WORK_DATA_SOURCE]) {
      const dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(name), {
        strict: false,
      });
      if (dataSource?.isInitialized) await dataSource.destroy();
    }
    await this.embedded.stop();
    DatabaseServer.logger.log('embedded PostgreSQL stopped');
  }
}

export const DATABASE_SERVER_PROVIDER = {
  provide: DatabaseServer,
  inject: [appConfig.KEY, ModuleRef],
  useFactory: (config: AppConfig, moduleRef: ModuleRef) => DatabaseServer.start(config, moduleRef),
};
