import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { retryOnDeadlock } from '../common/database-errors.js';
import { unknownNameProblems, type Problem } from '../common/input-rules.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { checkEvent, sameContent, type NewEvent } from './event-rules.js';
import { EventsRepository } from './events.repository.js';

export const INGEST_ACTOR = 'ingest-api';

export interface Conflict {
  index: number;
  external_ref: string;
}

/** What a batch did: events stored, already stored identically, stored with other content. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
  conflicts: Conflict[];
}

/** The events of a batch after validation: distinct refs to store, and in-batch conflicts. */
interface Prepared {
  /** First occurrence of each ref, sorted by ref (the order rows are locked in). */
  unique: NewEvent[];
  /** Index in the batch of each unique event's first occurrence. */
  indexOf: Map<string, number>;
  /** Later occurrences of a ref with different content than its first. */
  repeatedConflicts: Conflict[];
}

/** Distinct string values of `field` among the raw events (to look sources up in one query). */
function distinctStrings(events: unknown[], field: string): string[] {
  const values = new Set<string>();
  for (const event of events) {
    const value = (event as Record<string, unknown> | null)?.[field];
    if (typeof value === 'string') values.add(value);
  }
  return [...values];
}

/**
 * `POST /events`: validates a whole batch (all or nothing), then stores its new events, counts
 * the duplicates and reports the conflicts, with one audit entry, in one transaction.
 */
@Injectable()
export class IngestService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  async ingest(body: unknown, actor: string): Promise<IngestResult> {
    let raw: unknown[];
    try {
      raw = this.batchOf(body);
    } catch (error) {
      // A batch refused as a whole (an unknown field, too many events): its events count too.
      const events = (body as { events?: unknown } | null)?.events;
      if (Array.isArray(events)) this.metrics.eventsIngested.labels('rejected').inc(events.length);
      throw error;
    }
    const sources = await this.events.activeSources(distinctStrings(raw, 'source'));
    const now = Date.now();
    const valid: NewEvent[] = [];
    const problems: Problem[] = [];
    raw.forEach((item, index) => {
      const checked = checkEvent(item, `events[${index}]`, now, (slug) => sources.has(slug));
      if ('problems' in checked) problems.push(...checked.problems);
      else valid.push(checked.event);
    });
    if (problems.length > 0) {
      this.metrics.eventsIngested.labels('rejected').inc(raw.length);
      throw ApiError.problems(problems);
    }

    const prepared = this.prepare(valid);
    const result = await retryOnDeadlock(() => this.store(raw.length, prepared, actor));
    this.metrics.eventsIngested.labels('accepted').inc(result.accepted);
    this.metrics.eventsIngested.labels('duplicate').inc(result.duplicates);
    this.metrics.eventsIngested.labels('conflict').inc(result.conflicts.length);
    return result;
  }

  /** Stores a prepared batch, its counts and its audit entry, in one transaction. */
  private store(events: number, prepared: Prepared, actor: string): Promise<IngestResult> {
    return this.dataSource.transaction(async (manager) => {
      const inserted = await this.events.insertNew(manager, prepared.unique);
      const existing = prepared.unique.filter((event) => !inserted.has(event.externalRef));
      const differing = await this.events.differingRefs(manager, existing);
      const conflicts = [
        ...existing
          .filter((event) => differing.has(event.externalRef))
          .map((event) => ({
            index: prepared.indexOf.get(event.externalRef)!,
            external_ref: event.externalRef,
          })),
        ...prepared.repeatedConflicts,
      ].sort((a, b) => a.index - b.index);
      const result: IngestResult = {
        accepted: inserted.size,
        duplicates: existing.length - differing.size,
        conflicts,
      };
      await this.audit.record(
        {
          actor,
          action: 'events.ingested',
          resourceType: 'analytics_events',
          resourceId: null,
          metadata: {
            events,
            accepted: result.accepted,
            duplicates: result.duplicates,
            conflicts: result.conflicts.length,
          },
        },
        manager,
      );
      return result;
    });
  }

  /** The `events` array of a well-formed body, or a 400 naming what is wrong with it. */
  private batchOf(body: unknown): unknown[] {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw ApiError.problems([
        { parameter: 'body', message: 'the body must be a JSON object {"events": […]}' },
      ]);
    }
    const unknown = unknownNameProblems(Object.keys(body), ['events'], 'field');
    if (unknown.length > 0) throw ApiError.problems(unknown);
    const events = (body as { events?: unknown }).events;
    const max = this.config.ingestMaxBatch;
    if (events === undefined || events === null) {
      throw ApiError.problems([{ parameter: 'events', message: 'events is required' }]);
    }
    if (!Array.isArray(events)) {
      throw ApiError.problems([
        { parameter: 'events', message: 'events must be an array of events' },
      ]);
    }
    if (events.length === 0 || events.length > max) {
      throw ApiError.problems([
        {
          parameter: 'events',
          message: `events must hold 1 to ${max} events (got ${events.length})`,
        },
      ]);
    }
    return events;
  }

  /**
   * A ref repeated inside the batch counts once: identical repeats are dropped, and a repeat with
   * other content than the first occurrence is a conflict (the first one is what gets stored).
   */
  private prepare(events: NewEvent[]): Prepared {
    const first = new Map<string, { event: NewEvent; index: number }>();
    const repeatedConflicts: Conflict[] = [];
    events.forEach((event, index) => {
      const seen = first.get(event.externalRef);
      if (!seen) first.set(event.externalRef, { event, index });
      else if (!sameContent(seen.event, event)) {
        repeatedConflicts.push({ index, external_ref: event.externalRef });
      }
    });
    const unique = [...first.values()]
      .map(({ event }) => event)
      .sort((a, b) => (a.externalRef < b.externalRef ? -1 : a.externalRef > b.externalRef ? 1 : 0));
    const indexOf = new Map([...first].map(([ref, { index }]) => [ref, index]));
    return { unique, indexOf, repeatedConflicts };
  }
}
