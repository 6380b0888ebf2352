import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { commandLogger, runCommand } from '../common/entry-point.js';
import { appConfig } from '../config/app.config.js';
import { DatabaseModule } from '../database/database.module.js';
import { runMigrations } from '../database/migrate.js';
import { MIGRATIONS } from '../database/migrations/index.js';

/** The database alone: no workers, listeners or HTTP while the schema changes. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    DatabaseModule,
  ],
})
class MigrationModule {}

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, or without it to the
 * embedded database (started and stopped again), the way the service does at start-up.
 */
async function main(): Promise<void> {
  // Applied below, to report them.
  process.env.APP_AUTO_MIGRATE = 'false';
  const app = await NestFactory.createApplicationContext(MigrationModule, {
    logger: commandLogger(),
    abortOnError: false,
  });
  try {
    const applied = await runMigrations(app.get(DataSource), () =>
      console.error('another instance is migrating the database; waiting for it'),
    );
    console.log(
      applied.length > 0
        ? `applied ${applied.length} migrations: ${applied.join(', ')}`
        : `no pending migrations (the schema has all ${MIGRATIONS.length})`,
    );
  } finally {
    await app.close();
  }
}

runCommand(main, process.env.LOG_LEVEL === 'debug', { url: process.env.DATABASE_URL });
