import { registerAs } from '@nestjs/config';
import packageJson from '../../package.json' with { type: 'json' };
import { integerProblem, parseInteger } from '../common/input-rules.js';

export const DEFAULT_MANAGEMENT_KEY = 'local-management-key';
export const DEFAULT_INGEST_KEY = 'local-ingest-key';

/** The validated, typed configuration of one running service (the README's configuration table). */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  databaseUrl: string | undefined;
  embeddedPgDir: string;
  embeddedPgStageDir: string;
  databasePoolSize: number;
  managementApiKey: string;
  ingestApiKey: string;
  ingestMaxBatch: number;
  autoMigrate: boolean;
  autoSeed: boolean;
  maxReportRangeDays: number;
  defaultReportDays: number;
  recomputeConcurrency: number;
  recomputeQueueSize: number;
  recomputeLeaseSeconds: number;
  shutdownGraceSeconds: number;
  refreshEnabled: boolean;
  refreshTickSeconds: number;
  /** Raw events older than this many days are deleted; undefined keeps them for ever. */
  eventRetentionDays: number | undefined;
  appVersion: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

/** Thrown for a bad environment value; the message names the variable. */
export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = parseInteger(raw);
  if (value === undefined || integerProblem(name, value, min, max)) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

function databaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL must be a postgres:// connection URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL must be a postgres:// connection URL');
  }
  return raw;
}

/**
 * Whether NODE_ENV names a deployment (production, staging, `Production`, …): anything but
 * development and test. A deployment needs its own keys and its own PostgreSQL.
 */
function isDeployed(nodeEnv: string): boolean {
  return !['development', 'test'].includes(nodeEnv.toLowerCase());
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AppConfig {
  const nodeEnv = read(env, 'NODE_ENV') ?? 'development';
  const url = databaseUrl(env);
  const managementApiKey = read(env, 'MANAGEMENT_API_KEY') ?? DEFAULT_MANAGEMENT_KEY;
  const ingestApiKey = read(env, 'INGEST_API_KEY') ?? DEFAULT_INGEST_KEY;
  if (managementApiKey === ingestApiKey) {
    throw new ConfigError(
      'MANAGEMENT_API_KEY and INGEST_API_KEY must differ (the ingest key would open every route)',
    );
  }
  if (isDeployed(nodeEnv)) {
    const publishedKeys = [DEFAULT_MANAGEMENT_KEY, DEFAULT_INGEST_KEY];
    for (const [name, key] of [
      ['MANAGEMENT_API_KEY', managementApiKey],
      ['INGEST_API_KEY', ingestApiKey],
    ] as const) {
      if (publishedKeys.includes(key)) {
        throw new ConfigError(
          `${name} must be set to a non-default secret when NODE_ENV=${nodeEnv} (the default ` +
            'keys are published: they are for development and test only)',
        );
      }
    }
    if (url === undefined) {
      throw new ConfigError(
        `DATABASE_URL must be set when NODE_ENV=${nodeEnv} (the embedded PostgreSQL is for ` +
          'development and tests only)',
      );
    }
  }
  const logLevel = read(env, 'LOG_LEVEL') ?? 'log';
  if (!['error', 'warn', 'log', 'debug'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of error, warn, log, debug (got "${logLevel}")`);
  }
  return {
    nodeEnv,
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl: url,
    embeddedPgDir: read(env, 'EMBEDDED_PG_DIR') ?? './.data/postgres',
    embeddedPgStageDir: read(env, 'EMBEDDED_PG_STAGE_DIR') ?? '/var/lib/tally',
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 2, 200),
    managementApiKey,
    ingestApiKey,
    ingestMaxBatch: int(env, 'INGEST_MAX_BATCH', 1000, 1, 10000),
    autoMigrate: bool(env, 'APP_AUTO_MIGRATE', true),
    autoSeed: bool(env, 'APP_AUTO_SEED', url === undefined),
    maxReportRangeDays: int(env, 'MAX_REPORT_RANGE_DAYS', 366, 1, 36600),
    defaultReportDays: int(env, 'DEFAULT_REPORT_DAYS', 30, 1, 36600),
    recomputeConcurrency: int(env, 'RECOMPUTE_CONCURRENCY', 1, 1, 64),
    recomputeQueueSize: int(env, 'RECOMPUTE_QUEUE_SIZE', 64, 0, 100000),
    recomputeLeaseSeconds: int(env, 'RECOMPUTE_LEASE_SECONDS', 30, 2, 3600),
    shutdownGraceSeconds: int(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 3600),
    refreshEnabled: bool(env, 'REFRESH_ENABLED', true),
    refreshTickSeconds: int(env, 'REFRESH_TICK_SECONDS', 30, 1, 3600),
    eventRetentionDays:
      read(env, 'EVENT_RETENTION_DAYS') === undefined
        ? undefined
        : int(env, 'EVENT_RETENTION_DAYS', 0, 1, 36500),
    appVersion: read(env, 'APP_VERSION') ?? packageJson.version,
    logLevel: logLevel as AppConfig['logLevel'],
  };
}

/** The `app` config namespace, injected with `@Inject(appConfig.KEY)`. */
export const appConfig = registerAs('app', (): AppConfig => loadConfig(process.env));
