import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const MAX_SQL_LENGTH = 300;

function shortSql(query: string): string {
  const sql = query.replace(/\s+/g, ' ').trim();
  return sql.length > MAX_SQL_LENGTH ? `${sql.slice(0, MAX_SQL_LENGTH)}…` : sql;
}

/**
 * TypeORM's messages through Nest's logger (so, in the service, as pino lines): failed and slow
 * queries (without their parameters) at warn, migrations at log; single queries are not logged.
 * The error a failed query causes is handled, and logged when unexpected, by whoever ran it.
 */
export class TypeOrmNestLogger implements TypeOrmLogger {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    const message = error instanceof Error ? error.message : error;
    this.logger.warn(`query failed: ${message} (${shortSql(query)})`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query: ${time} ms (${shortSql(query)})`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}
