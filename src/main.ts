import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createHttpAdapter } from './common/app-setup.js';
import { EntryPointLogger, failureMessage } from './common/entry-point.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app.config.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    logger: new EntryPointLogger({
      logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
    }),
    abortOnError: false,
  });
  configureApp(app);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(config.port, '0.0.0.0');
  Logger.log(`Tally listening on ${await app.getUrl()} (API /api/v1, docs /docs)`, 'Bootstrap');
}

let config: AppConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(failureMessage(error, false));
  process.exit(1);
}

bootstrap(config).catch((error: unknown) => {
  Logger.error(failureMessage(error, config.logLevel === 'debug'), 'Bootstrap');
  process.exit(1);
});
