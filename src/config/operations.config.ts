import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { bool, ConfigError, int, read, type Env } from './app.config.js';

/** Requests per window and client; 0 turns a limit off. */
export interface RateLimits {
  windowSeconds: number;
  /** Public routes, per client IP. */
  public: number;
  /** Management routes, per presented key (else per IP). */
  management: number;
  /** The ingestion route, per presented key (else per IP). */
  ingest: number;
  /** Failed authentications (401) per client IP, on protected routes. */
  authFailures: number;
}

/** The validated operational settings: logs, metrics, limits, timeouts, HTTP security. */
export interface OperationsConfig {
  logFormat: 'json' | 'pretty';
  metricsEnabled: boolean;
  metricsToken: string | undefined;
  rateLimits: RateLimits;
  /** Allowed CORS origins; empty means CORS is off. `['*']` allows any origin. */
  corsOrigins: string[];
  /** Fastify's `trustProxy`: false, true, a hop count, or proxy addresses (comma-separated). */
  trustProxy: boolean | number | string;
  bodyLimitBytes: number;
  /** Body limit of `POST /events`; undefined: room for INGEST_MAX_BATCH full events. */
  ingestBodyLimitBytes: number | undefined;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  reportQueryTimeoutMs: number;
  databaseConnectTimeoutMs: number;
}

const MIB = 1024 * 1024;

function logFormat(env: Env, isTty: boolean): OperationsConfig['logFormat'] {
  const raw = read(env, 'LOG_FORMAT')?.toLowerCase();
  if (raw === undefined) return isTty && read(env, 'NODE_ENV') !== 'production' ? 'pretty' : 'json';
  if (raw !== 'json' && raw !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty (got "${raw}")`);
  }
  return raw;
}

function corsOrigins(env: Env): string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 1 && origins[0] === '*') return origins;
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.com (got "${origin}")`,
      );
    }
  }
  return origins;
}

const CIDR = /^(.+)\/(\d{1,3})$/;

function trustProxy(env: Env): OperationsConfig['trustProxy'] {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || ['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  if (['true', 'yes'].includes(raw.toLowerCase())) return true;
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 1, 100);
  const addresses = raw.split(',').map((address) => address.trim());
  for (const address of addresses) {
    const cidr = CIDR.exec(address);
    const ip = cidr ? cidr[1] : address;
    if (isIP(ip) === 0 || (cidr && Number(cidr[2]) > (isIP(ip) === 4 ? 32 : 128))) {
      throw new ConfigError(
        `TRUST_PROXY must be true, false, a hop count or proxy addresses/CIDRs (got "${address}")`,
      );
    }
  }
  return addresses.join(',');
}

/** Reads and validates the operational settings; throws ConfigError naming the variable. */
export function loadOperationsConfig(env: Env, isTty = false): OperationsConfig {
  const requestTimeoutMs = int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000);
  const headersTimeoutMs = int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS must not be greater than HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return {
    logFormat: logFormat(env, isTty),
    metricsEnabled: bool(env, 'METRICS_ENABLED', true),
    metricsToken: read(env, 'METRICS_TOKEN'),
    rateLimits: {
      windowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      public: int(env, 'RATE_LIMIT_PUBLIC', 1200, 0, 1_000_000_000),
      management: int(env, 'RATE_LIMIT_MANAGEMENT', 300, 0, 1_000_000_000),
      ingest: int(env, 'RATE_LIMIT_INGEST', 600, 0, 1_000_000_000),
      authFailures: int(env, 'RATE_LIMIT_AUTH_FAILURES', 10, 0, 1_000_000_000),
    },
    corsOrigins: corsOrigins(env),
    trustProxy: trustProxy(env),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', MIB, 1024, 100 * MIB),
    ingestBodyLimitBytes:
      read(env, 'INGEST_BODY_LIMIT_BYTES') === undefined
        ? undefined
        : int(env, 'INGEST_BODY_LIMIT_BYTES', 0, 1024, 1024 * MIB),
    requestTimeoutMs,
    headersTimeoutMs,
    reportQueryTimeoutMs: int(env, 'REPORT_QUERY_TIMEOUT_MS', 10_000, 100, 3_600_000),
    databaseConnectTimeoutMs: int(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
  };
}

/** The `operations` config namespace, injected with `@Inject(operationsConfig.KEY)`. */
export const operationsConfig = registerAs('operations', (): OperationsConfig =>
  loadOperationsConfig(process.env, process.stdout.isTTY === true),
);
