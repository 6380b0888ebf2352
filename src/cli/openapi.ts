import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module.js';
import { configureApp, createHttpAdapter } from '../common/app-setup.js';
import { buildOpenApiDocument, OPENAPI_REFERENCE_DAY } from '../common/swagger.js';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * `npm run openapi`: writes the OpenAPI document the code produces to openapi.json, with its
 * example dates as of OPENAPI_REFERENCE_DAY (the running service uses the day it starts).
 */
async function main(): Promise<void> {
  process.env.APP_AUTO_SEED = 'false';
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    logger: ['error'],
    abortOnError: false,
  });
  try {
    configureApp(app);
    await app.init();
    const document = buildOpenApiDocument(app, packageJson.version, OPENAPI_REFERENCE_DAY);
    await writeFile('openapi.json', `${JSON.stringify(document, null, 2)}\n`);
    console.log(`openapi.json written (${Object.keys(document.paths).length} paths)`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
