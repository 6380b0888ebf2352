import { ConsoleLogger } from '@nestjs/common';
import { ConfigError } from '../config/app.config.js';
import { isDatabaseTimeout, isDatabaseUnavailable } from './database-errors.js';

/**
 * The logger of the service and the CLIs. Nest logs an error that stops its start-up (with
 * its stack) under 'ExceptionHandler' and then rethrows it; the entry point reports it once,
 * with `failureMessage`, so that first copy is dropped.
 */
export class EntryPointLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...rest);
  }
}

/** Where `DATABASE_URL` points, without its credentials: `host:port/database`. */
export function databaseTarget(url: string | undefined): string {
  if (!url) return 'the embedded PostgreSQL';
  try {
    const { hostname, port, pathname } = new URL(url);
    return `PostgreSQL at ${hostname}:${port || '5432'}${pathname || '/'}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/**
 * The one line that reports a failure ending the process; the stack only when asked for. When
 * the failure is a database that could not be reached, `database` (the configured URL) names
 * it, without its credentials.
 */
export function failureMessage(
  error: unknown,
  withStack: boolean,
  database?: { url: string | undefined },
): string {
  if (error instanceof ConfigError) return `Invalid configuration: ${error.message}`;
  if (!(error instanceof Error)) return String(error);
  const message = withStack && error.stack ? error.stack : error.message;
  const unreachable = isDatabaseUnavailable(error) || isDatabaseTimeout(error);
  if (database === undefined || !unreachable) return message;
  return `${databaseTarget(database.url)} could not be reached: ${message}`;
}

const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'NestApplication']);

/** The logger of a command-line tool: errors, warnings and Tally's progress, not Nest's. */
class CommandLogger extends EntryPointLogger {
  override log(message: unknown, ...rest: unknown[]): void {
    if (FRAMEWORK_CONTEXTS.has(rest.at(-1) as string)) return;
    super.log(message, ...rest);
  }
}

export const commandLogger = (): EntryPointLogger =>
  new CommandLogger({ logLevels: ['error', 'warn', 'log'] });

/**
 * Runs a command-line tool: a failure is one line on stderr (`debug`: its stack) and exit 1.
 * `database`: the tool's database, named when it cannot be reached.
 */
export function runCommand(
  main: () => Promise<void>,
  debug: boolean,
  database?: { url: string | undefined },
): void {
  main().catch((error: unknown) => {
    console.error(failureMessage(error, debug, database));
    process.exit(1);
  });
}
