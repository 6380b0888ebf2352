import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config/app.config.js';
import type { OperationsConfig } from '../config/operations.config.js';
import { BatchedDestination, type ByteTarget } from './batched-destination.js';

export type { Logger } from 'pino';

/** `LOG_LEVEL` (Nest's names) → pino's levels. */
const PINO_LEVELS: Record<AppConfig['logLevel'], Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

/**
 * Where secrets could appear in a logged object. Nothing logs request headers today; this keeps
 * it so if something ever does (keys are never logged, the metrics token is a bearer token).
 */
const SECRET_HEADERS = ['authorization', '"x-management-key"', '"x-ingest-key"'];
export const REDACTED_PATHS = ['req.headers', 'headers', 'request.headers'].flatMap((parent) =>
  SECRET_HEADERS.map((header) => `${parent}.${header}`),
);

/**
 * The fields of an error that are logged: what it is and where it came from, never data. A
 * failed query also carries its SQL, the values bound to it (a batch of event payloads can be
 * megabytes of producers' data) and PostgreSQL's `detail` (the failing row, a key's value):
 * none of those is logged.
 */
const LOGGED_ERROR_FIELDS = [
  'type',
  'message',
  'stack',
  'code',
  'errno',
  'syscall',
  'address',
  'port',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'constraint',
];

/** Errors as logged (`err`): pino's serializer, then only LOGGED_ERROR_FIELDS. */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const driverError = (error as { driverError?: { code?: unknown } }).driverError;
  const logged: Record<string, unknown> = {};
  for (const field of LOGGED_ERROR_FIELDS) {
    if (serialized[field] !== undefined) logged[field] = serialized[field];
  }
  if (logged.code === undefined && driverError?.code !== undefined) logged.code = driverError.code;
  return logged;
}

export interface LoggerOptions {
  level: AppConfig['logLevel'];
  format: OperationsConfig['logFormat'];
  /** stderr for command-line tools, whose stdout carries their result. Default stdout. */
  toStderr?: boolean;
}

/**
 * The process's one pino logger: JSON lines on stdout (`LOG_FORMAT=json`), or colored, readable
 * lines for a terminal (`pretty`). JSON lines are written in batches, at most 100 ms after they
 * are logged (see BatchedDestination), and when the process exits; main.ts therefore ends the
 * process with `process.exit` after a shutdown rather than by re-raising the signal.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const stream =
    destination ??
    (options.format === 'pretty'
      ? pretty({
          sync: true,
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          destination: options.toStderr ? 2 : 1,
        })
      : new BatchedDestination(
          pino.destination({
            dest: options.toStderr ? 2 : 1,
            sync: true,
            contentMode: 'buffer',
          }) as unknown as ByteTarget,
        ));
  return pino(
    {
      level: PINO_LEVELS[options.level],
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    stream,
  );
}

/** Splits Nest's trailing context argument (`new Logger('Context')`) off the parameters. */
function withContext(params: unknown[]): { context?: string; rest: unknown[] } {
  const last = params.at(-1);
  return typeof last === 'string'
    ? { context: last, rest: params.slice(0, -1) }
    : { context: undefined, rest: params };
}

/** Nest's logger interface on top of pino: every `Logger` of the app writes through it. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest logs an error that stops its start-up (with its stack) under 'ExceptionHandler', and
    // TypeORM's module the failed first connection (with its stack) under 'TypeOrmModule', and
    // both rethrow it; the entry point reports it once (see common/entry-point.ts), with the
    // stack at LOG_LEVEL=debug.
    const context = params.at(-1);
    if (context === 'ExceptionHandler') return;
    if (context === 'TypeOrmModule' && !this.pino.isLevelEnabled('debug')) return;
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const { context, rest } = withContext(params);
    // Nest's `error(message, stack, context)`.
    const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else {
      this.pino[level]({ context, stack }, String(message));
    }
  }
}
