import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module.js';
import { configureApp, createHttpAdapter } from '../common/app-setup.js';
import { runCommand } from '../common/entry-point.js';
import { buildOpenApiDocument, OPENAPI_REFERENCE_DAY } from '../common/swagger.js';
import { loadOperationsConfig } from '../config/operations.config.js';
import { createLogger, PinoNestLogger } from '../logging/logger.js';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * `npm run openapi`: writes the OpenAPI document the code produces to openapi.json, with its
 * example dates as of OPENAPI_REFERENCE_DAY (the running service uses the day it starts).
 */
async function main(): Promise<void> {
  // Only the document is wanted: no demo data, no scheduler acting on the database.
  process.env.APP_AUTO_SEED = 'false';
  process.env.REFRESH_ENABLED = 'false';
  const logger = createLogger({ level: 'error', format: 'json' });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createHttpAdapter(loadOperationsConfig(process.env), logger),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
  try {
    configureApp(app, logger);
    await app.init();
    const document = buildOpenApiDocument(app, packageJson.version, OPENAPI_REFERENCE_DAY);
    await writeFile('openapi.json', `${JSON.stringify(document, null, 2)}\n`);
    console.log(`openapi.json written (${Object.keys(document.paths).length} paths)`);
  } finally {
    await app.close();
  }
}

runCommand(main, process.env.LOG_LEVEL === 'debug');
