import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { ConfigError } from '../config/app.config.js';
import { DemoDataService } from '../demo/demo-data.service.js';

/** `npm run seed [-- --force]`: loads the demo data into the configured database. */
async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  // The seed runs explicitly below, not as the start-up hook.
  process.env.APP_AUTO_SEED = 'false';
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: ['error', 'warn', 'log'],
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Invalid configuration: ${error.message}` : error);
  process.exit(1);
});
