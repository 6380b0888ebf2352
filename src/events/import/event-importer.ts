import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { checkEvent, sameContent } from '../event-rules.js';
import { SourcesRepository } from '../sources.repository.js';
import type { InputRecord } from './import-input.js';
import { ImportRepository, type LineEvent } from './import.repository.js';

export interface ImportSummary {
  /** Records read (non-blank lines; CSV: after the header). */
  read: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
}

/** What the importer tells its caller as it goes. */
export interface ImportListener {
  /** The CSV header (a reject file starts with it). */
  header?(text: string): void;
  /** A record that is not a valid event, with why; it is skipped. */
  rejected(record: InputRecord, problems: string[]): void | Promise<void>;
  /** A valid event whose ref is stored (or read earlier) with other content; not changed. */
  conflict(line: number, externalRef: string): void;
  /** After each stored chunk. */
  progress(summary: Readonly<ImportSummary>): void;
  /**
   * Once every chunk is stored, before the audit entry: what the listener must still complete
   * (e.g. write out the reject file). Throwing fails the import, with no audit entry.
   */
  finish?(): void | Promise<void>;
}

export interface ImportOptions {
  actor: string;
  /** Named in the audit entry (a file name, or "stdin"). */
  input: string;
  /** Events per transaction at most… */
  chunkEvents?: number;
  /** …and bytes of payload at most, so memory stays flat whatever the payloads. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_EVENTS = 10_000;
const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * `npm run import`: streams records, checks each with the rules of `POST /events`, and stores
 * the valid ones in chunks (COPY into a staging table, then INSERT … ON CONFLICT DO NOTHING),
 * reading the next chunk while the previous one is being stored. Idempotent like the API: a
 * ref already stored identically is a duplicate, with other content a conflict. One audit entry
 * `events.imported` at the end.
 */
@Injectable()
export class EventImporter {
  constructor(
    private readonly repository: ImportRepository,
    private readonly sources: SourcesRepository,
    private readonly audit: AuditService,
  ) {}

  async run(
    records: AsyncIterable<InputRecord>,
    listener: ImportListener,
    options: ImportOptions,
  ): Promise<ImportSummary> {
    const chunkEvents = options.chunkEvents ?? DEFAULT_CHUNK_EVENTS;
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const active = new Set(
      (await this.sources.list()).filter((s) => s.is_active).map((s) => s.slug),
    );
    const isSource = (slug: string) => active.has(slug);
    const now = Date.now();
    const summary: ImportSummary = {
      read: 0,
      accepted: 0,
      duplicates: 0,
      conflicts: 0,
      rejected: 0,
    };
    const session = await this.repository.open();
    let chunk = new Map<string, LineEvent>();
    let bytes = 0;
    let storing: Promise<void> = Promise.resolve();
    let failure: unknown;

    const store = (rows: LineEvent[]) => {
      storing = storing.then(async () => {
        if (failure !== undefined) return;
        try {
          const result = await session.store(rows);
          summary.accepted += result.accepted;
          summary.duplicates += result.duplicates;
          summary.conflicts += result.conflicts.length;
          for (const conflict of result.conflicts)
            listener.conflict(conflict.line, conflict.externalRef);
          listener.progress(summary);
        } catch (error) {
          failure = error;
        }
      });
    };

    try {
      for await (const record of records) {
        if (failure !== undefined) break;
        if (record.header) {
          listener.header?.(record.text);
          continue;
        }
        summary.read += 1;
        const checked =
          record.error === undefined
            ? checkEvent(record.value, '', now, isSource)
            : { problems: [{ parameter: 'line', message: record.error }] };
        if ('problems' in checked) {
          summary.rejected += 1;
          await listener.rejected(
            record,
            checked.problems.map((p) => p.message),
          );
          continue;
        }
        const { event } = checked;
        const earlier = chunk.get(event.externalRef);
        if (earlier) {
          // Read twice in this chunk: once is stored; a differing repeat is a conflict.
          if (sameContent(earlier.event, event)) summary.duplicates += 1;
          else {
            summary.conflicts += 1;
            listener.conflict(record.line, event.externalRef);
          }
          continue;
        }
        chunk.set(event.externalRef, { line: record.line, event });
        bytes += event.payload.length + event.externalRef.length + event.entityId.length;
        if (chunk.size >= chunkEvents || bytes >= chunkBytes) {
          // Wait for the chunk before, so at most two chunks are in memory.
          await storing;
          store([...chunk.values()]);
          chunk = new Map();
          bytes = 0;
        }
      }
      await storing;
      if (failure === undefined && chunk.size > 0) {
        store([...chunk.values()]);
        await storing;
      }
      if (failure !== undefined) throw failure;
      await listener.finish?.();
      await this.audit.record({
        actor: options.actor,
        action: 'events.imported',
        resourceType: 'analytics_events',
        resourceId: null,
        metadata: { input: options.input, ...summary },
      });
      return summary;
    } finally {
      await storing;
      await session.close();
    }
  }
}
