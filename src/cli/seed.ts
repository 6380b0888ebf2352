import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { commandLogger, runCommand } from '../common/entry-point.js';
import { DemoDataService } from '../demo/demo-data.service.js';

/** `npm run seed [-- --force]`: loads the demo data into the configured database. */
async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  // The seed runs explicitly below, not as the start-up hook; a command is no scheduler.
  process.env.APP_AUTO_SEED = 'false';
  process.env.REFRESH_ENABLED = 'false';
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: commandLogger(),
    abortOnError: false,
  });
  try {
    const result = await app.get(DemoDataService).seed({ force });
    console.log(
      result.seeded
        ? `seeded ${result.events} events and ${result.runs} completed recompute runs`
        : 'analytics_events is not empty: nothing to do (use -- --force to reset the demo tables)',
    );
  } finally {
    await app.close();
  }
}

runCommand(main, process.env.LOG_LEVEL === 'debug', { url: process.env.DATABASE_URL });
