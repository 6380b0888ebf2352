import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { isDeadlock, isUniqueViolation, retryOnDeadlock } from '../../common/database-errors.js';
import { WORK_DATA_SOURCE } from '../../database/pools.js';
import type { NewEvent } from '../event-rules.js';
import { insertNewEventsSql, STORED_CONTENT_DIFFERS } from '../events.repository.js';
import { copyRows, copyText } from './copy-rows.js';

/** An event read from line `line` of the input. */
export interface LineEvent {
  line: number;
  event: NewEvent;
}

export interface ChunkResult {
  accepted: number;
  duplicates: number;
  /** Lines whose ref is stored with other content. */
  conflicts: { line: number; externalRef: string }[];
}

const STAGING = 'tally_import_staging';

/** An event's columns after the first (the line, or the source's id), as a COPY text line. */
function eventFields(event: NewEvent): string {
  return `${copyText(event.externalRef)}\t${copyText(event.entityId)}\t${event.status}\t${
    event.processingMs
  }\t${event.amountCents}\t${event.occurredAt}\t${copyText(event.payload)}\n`;
}

/**
 * The importer's SQL on one connection. A chunk is COPY'd straight into `analytics_events`, one
 * transaction, PostgreSQL's fastest insert. A chunk holding a ref that is stored already (a
 * re-import, an overlap) fails as a whole; it is then COPY'd into a temporary staging table and
 * moved in with INSERT … SELECT … ON CONFLICT DO NOTHING, which counts its duplicates and
 * conflicts, in one transaction.
 */
@Injectable()
export class ImportRepository {
  /** The work pool: a bulk load's statements may run long (see database/pools.ts). */
  constructor(@InjectDataSource(WORK_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** A connection of its own, with the staging table; `close` it when done. */
  async open(): Promise<ImportSession> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`
        CREATE TEMPORARY TABLE ${STAGING} (
          line bigint, source text, external_ref text, entity_id text, status text,
          processing_ms integer, amount_cents integer, occurred_at timestamptz, payload jsonb
        ) ON COMMIT DELETE ROWS`);
      const sources: { slug: string; id: number }[] = await runner.query(
        'SELECT slug, id FROM event_sources',
      );
      return new ImportSession(runner, new Map(sources.map((s) => [s.slug, s.id])));
    } catch (error) {
      await runner.release();
      throw error;
    }
  }
}

export class ImportSession {
  constructor(
    private readonly runner: QueryRunner,
    private readonly sourceIds: ReadonlyMap<string, number>,
  ) {}

  /** Stores one chunk (distinct refs, of sources that exist): straight in, else merged. */
  async store(rows: readonly LineEvent[]): Promise<ChunkResult> {
    try {
      await copyRows(
        this.client,
        `COPY analytics_events (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at, payload) FROM STDIN`,
        rows,
        ({ event }) => `${this.sourceIds.get(event.source)}\t${eventFields(event)}`,
      );
      return { accepted: rows.length, duplicates: 0, conflicts: [] };
    } catch (error) {
      // A ref stored already, or held by a concurrent writer: merge the chunk instead.
      if (!isUniqueViolation(error) && !isDeadlock(error)) throw error;
    }
    return this.merge(rows);
  }

  /**
   * Stores a chunk through the staging table. Rows go in in file order, which keeps the
   * indexes' inserts local (about a tenth faster than in ref order). Two imports with the same
   * refs in different orders can then deadlock; PostgreSQL aborts one of them, and that chunk
   * is stored again in ref order, the order every writer can agree on.
   */
  async merge(rows: readonly LineEvent[]): Promise<ChunkResult> {
    return retryOnDeadlock((attempt) =>
      this.mergeInOrder(rows, attempt === 1 ? 't.line' : 't.external_ref'),
    );
  }

  async close(): Promise<void> {
    await this.runner.query(`DROP TABLE IF EXISTS ${STAGING}`).catch(() => undefined);
    await this.runner.release();
  }

  private get client(): pg.ClientBase {
    return (this.runner as unknown as { databaseConnection: pg.PoolClient }).databaseConnection;
  }

  private async mergeInOrder(rows: readonly LineEvent[], order: string): Promise<ChunkResult> {
    await this.runner.startTransaction();
    try {
      await copyRows(
        this.client,
        `COPY ${STAGING} (line, source, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at, payload) FROM STDIN`,
        rows,
        ({ line, event }) => `${line}\t${copyText(event.source)}\t${eventFields(event)}`,
      );
      const [{ inserted }] = await this.runner.query(
        `WITH inserted AS (${insertNewEventsSql(`${STAGING} t JOIN event_sources s ON s.slug = t.source`, order)} RETURNING 1)
         SELECT count(*)::int AS inserted FROM inserted`,
      );
      let conflicts: ChunkResult['conflicts'] = [];
      if (inserted < rows.length) {
        const found: { line: number; external_ref: string }[] = await this.runner.query(
          `SELECT t.line::int AS line, t.external_ref
             FROM ${STAGING} t JOIN event_sources s ON s.slug = t.source
             JOIN analytics_events e ON e.external_ref = t.external_ref
            WHERE ${STORED_CONTENT_DIFFERS}
            ORDER BY t.line`,
        );
        conflicts = found.map((row) => ({ line: row.line, externalRef: row.external_ref }));
      }
      await this.runner.commitTransaction();
      return {
        accepted: inserted,
        duplicates: rows.length - inserted - conflicts.length,
        conflicts,
      };
    } catch (error) {
      if (this.runner.isTransactionActive)
        await this.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }
}
