import 'reflect-metadata';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { DestinationStream } from 'pino';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createHttpAdapter } from '../../src/common/app-setup.js';
import { loadConfig } from '../../src/config/app.config.js';
import { loadOperationsConfig } from '../../src/config/operations.config.js';
import { createLogger, PinoNestLogger } from '../../src/logging/logger.js';

export type Env = Record<string, string | undefined>;

/** Sets environment variables while `work` runs (configuration is read when the app is built). */
async function withEnv<T>(env: Env, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Env) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}

const TEST_ENV: Env = {
  NODE_ENV: 'test',
  APP_AUTO_SEED: 'false',
  LOG_LEVEL: 'error',
  MANAGEMENT_API_KEY: 'test-management-key',
  INGEST_API_KEY: 'test-ingest-key',
  // The scheduler refreshes and prunes on its own clock; tests that want it turn it on.
  REFRESH_ENABLED: 'false',
  // Limits count across requests: tests that check them set their own; the rest run the limiter
  // (so it sees every request) with limits no test reaches.
  RATE_LIMIT_PUBLIC: '1000000',
  RATE_LIMIT_MANAGEMENT: '1000000',
  RATE_LIMIT_INGEST: '1000000',
  RATE_LIMIT_AUTH_FAILURES: '1000000',
};

export const MANAGEMENT_KEY = 'test-management-key';
export const INGEST_KEY = 'test-ingest-key';

export async function bootApplicationContext(
  databaseUrl: string,
  env: Env = {},
): Promise<INestApplicationContext> {
  return withEnv({ ...TEST_ENV, ...env, DATABASE_URL: databaseUrl }, () =>
    NestFactory.createApplicationContext(AppModule, { logger: ['error'], abortOnError: false }),
  );
}

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof supertest>;
  dataSource: DataSource;
  close(): Promise<void>;
}

export type Override =
  { provide: unknown; useValue: unknown } | { provide: unknown; useClass: Type<unknown> };

export interface StartAppOptions {
  env?: Env;
  /** Provider overrides, e.g. `{ provide: RecomputeExecutor, useValue: executor }`. */
  overrides?: Override[];
  /** Where the app's log lines go (JSON); stdout by default. */
  logDestination?: DestinationStream;
}

/** Boots the real AppModule on `databaseUrl` with the production HTTP setup. */
export async function startApp(
  databaseUrl: string,
  options: StartAppOptions = {},
): Promise<TestApp> {
  const app = await withEnv(
    { ...TEST_ENV, ...options.env, DATABASE_URL: databaseUrl },
    async () => {
      let builder = Test.createTestingModule({ imports: [AppModule] });
      for (const override of options.overrides ?? []) {
        const chain = builder.overrideProvider(override.provide);
        builder =
          'useValue' in override
            ? chain.useValue(override.useValue)
            : chain.useClass(override.useClass);
      }
      const moduleRef = await builder.compile({ abortOnError: false } as never);
      const logger = createLogger(
        { level: loadConfig(process.env).logLevel, format: 'json' },
        options.logDestination,
      );
      const nest = moduleRef.createNestApplication<NestFastifyApplication>(
        createHttpAdapter(loadOperationsConfig(process.env), logger),
        { logger: new PinoNestLogger(logger) },
      );
      configureApp(nest, logger);
      await nest.init();
      await nest.getHttpAdapter().getInstance().ready();
      return nest;
    },
  );
  return {
    app,
    http: supertest(app.getHttpServer()),
    dataSource: app.get(DataSource),
    close: () => app.close(),
  };
}
