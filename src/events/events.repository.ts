import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventStatus } from '../database/entities/index.js';
import type { NewEvent } from './event-rules.js';

/** An event as `GET /events` lists it. */
export interface EventRow {
  id: number;
  external_ref: string;
  source: string;
  entity_id: string;
  status: EventStatus;
  processing_ms: number;
  amount_cents: number;
  /** UTC, to the microsecond: `2026-11-28T09:30:00.123456Z`. */
  occurred_at: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export interface EventFilter {
  source?: string;
  entityId?: string;
  status?: EventStatus;
  externalRef?: string;
  /** Inclusive lower bound: a timestamp, or a day (its first instant). */
  occurredFrom?: string;
  /** Inclusive upper bound: a timestamp, or a day (up to its last instant). */
  occurredTo?: string;
  occurredToIsDay?: boolean;
}

/** Where the previous page ended: the last row's `occurred_at` (text, µs) and `id`. */
export interface EventCursor {
  occurredAt: string;
  id: number;
}

/** The events of a batch as parallel arrays, in the order given: one parameter per column. */
function columns(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.externalRef),
    events.map((e) => e.source),
    events.map((e) => e.entityId),
    events.map((e) => e.status),
    events.map((e) => e.processingMs),
    events.map((e) => e.amountCents),
    events.map((e) => e.occurredAt),
    events.map((e) => e.payload),
  ];
}

/**
 * Inserts the new events of `rows` (a relation `t` with the batch's columns, joined to
 * `event_sources s`), in `order` (by ref, so concurrent batches lock refs in one order); an
 * existing ref is skipped. Shared by the API (rows from `unnest`) and the importer (a COPY'd
 * staging table).
 */
export function insertNewEventsSql(rows: string, order: string): string {
  return `INSERT INTO analytics_events
            (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at, payload)
          SELECT s.id, t.external_ref, t.entity_id, t.status, t.processing_ms, t.amount_cents,
                 t.occurred_at, t.payload
            FROM ${rows}
           ORDER BY ${order}
          ON CONFLICT (external_ref) DO NOTHING`;
}

/** True for a stored event `e` whose content differs from the incoming `t` (source `s`). */
export const STORED_CONTENT_DIFFERS = `
  (e.source_id, e.entity_id, e.status, e.processing_ms, e.amount_cents, e.occurred_at, e.payload)
  IS DISTINCT FROM
  (s.id, t.entity_id, t.status, t.processing_ms, t.amount_cents, t.occurred_at, t.payload)`;

const BATCH = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
                      $7::timestamptz[], $8::jsonb[]) WITH ORDINALITY
                 AS t(external_ref, source, entity_id, status, processing_ms, amount_cents,
                      occurred_at, payload, ordinal)
          JOIN event_sources s ON s.slug = t.source`;

/** Ingestion and listing SQL over `analytics_events`. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The slugs among `slugs` that name active sources. */
  async activeSources(slugs: readonly string[]): Promise<Set<string>> {
    const rows: { slug: string }[] = await this.dataSource.query(
      `SELECT slug FROM event_sources WHERE slug = ANY($1::text[]) AND is_active`,
      [slugs],
    );
    return new Set(rows.map((row) => row.slug));
  }

  /**
   * Inserts the events whose `external_ref` is new, in the order given (callers sort by ref, so
   * concurrent batches lock refs in one order). Returns the refs inserted.
   */
  async insertNew(manager: EntityManager, events: readonly NewEvent[]): Promise<Set<string>> {
    const rows: { external_ref: string }[] = await manager.query(
      `${insertNewEventsSql(BATCH, 't.ordinal')} RETURNING external_ref`,
      columns(events),
    );
    return new Set(rows.map((row) => row.external_ref));
  }

  /**
   * Of `events` (whose refs are already stored), the refs stored with different content. A
   * later statement than the insert, so it also sees events a concurrent batch committed.
   */
  async differingRefs(manager: EntityManager, events: readonly NewEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { external_ref: string }[] = await manager.query(
      `SELECT t.external_ref
         FROM ${BATCH}
         JOIN analytics_events e ON e.external_ref = t.external_ref
        WHERE ${STORED_CONTENT_DIFFERS}`,
      columns(events),
    );
    return new Set(rows.map((row) => row.external_ref));
  }

  /** One page of events, newest first by (`occurred_at`, `id`), after `cursor`. */
  list(filter: EventFilter, cursor: EventCursor | undefined, limit: number): Promise<EventRow[]> {
    return this.dataSource.query(
      `SELECT e.id, e.external_ref, s.slug AS source, e.entity_id, e.status, e.processing_ms,
              e.amount_cents,
              to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
              e.payload, e.created_at
         FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
        WHERE ($1::text IS NULL OR s.slug = $1)
          AND ($2::text IS NULL OR e.entity_id = $2)
          AND ($3::text IS NULL OR e.status = $3)
          AND ($4::text IS NULL OR e.external_ref = $4)
          AND ($5::timestamptz IS NULL OR e.occurred_at >= $5::timestamptz)
          AND ($6::text IS NULL OR e.occurred_at < CASE WHEN $7
                THEN ($6::date + 1)::timestamp AT TIME ZONE 'UTC'
                ELSE $6::timestamptz + interval '1 microsecond' END)
          AND ($8::timestamptz IS NULL OR (e.occurred_at, e.id) < ($8::timestamptz, $9::bigint))
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT $10`,
      [
        filter.source ?? null,
        filter.entityId ?? null,
        filter.status ?? null,
        filter.externalRef ?? null,
        filter.occurredFrom ?? null,
        filter.occurredTo ?? null,
        filter.occurredToIsDay ?? false,
        cursor?.occurredAt ?? null,
        cursor?.id ?? null,
        limit,
      ],
    );
  }
}
