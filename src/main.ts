import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createHttpAdapter } from './common/app-setup.js';
import { failureMessage } from './common/entry-point.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app.config.js';
import { loadOperationsConfig, type OperationsConfig } from './config/operations.config.js';
import { createLogger, PinoNestLogger } from './logging/logger.js';

async function bootstrap(config: AppConfig, operations: OperationsConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: operations.logFormat });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createHttpAdapter(operations, logger),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
  configureApp(app, logger);
  // Exit (code 0) rather than re-raise the signal once shut down: the 'exit' event flushes the
  // buffered log lines.
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  await app.listen(config.port, '0.0.0.0');
  Logger.log(`Tally listening on ${await app.getUrl()} (API /api/v1, docs /docs)`, 'Bootstrap');
}

let config: AppConfig;
let operations: OperationsConfig;
try {
  config = loadConfig(process.env);
  operations = loadOperationsConfig(process.env, process.stdout.isTTY === true);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(failureMessage(error, false));
  process.exit(1);
}

bootstrap(config, operations).catch((error: unknown) => {
  const database = { url: config.databaseUrl };
  Logger.error(failureMessage(error, config.logLevel === 'debug', database), 'Bootstrap');
  process.exit(1);
});
