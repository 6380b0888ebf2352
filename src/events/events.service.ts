import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { Enveloped } from '../common/envelope.js';
import { instantBounds, parseDay } from '../common/time-rules.js';
import type { ListEventsQuery } from './dto/list-events.query.js';
import { decodeCursor, encodeCursor } from './event-cursor.js';
import { EventsRepository, type EventRow } from './events.repository.js';

/** `GET /events`: the stored events for support and debugging, keyset-paginated. */
@Injectable()
export class EventsService {
  constructor(private readonly events: EventsRepository) {}

  async list(query: ListEventsQuery): Promise<Enveloped<EventRow[]>> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      const message = 'cursor is not valid: pass back the meta.next_cursor of a previous page';
      throw ApiError.problems([{ parameter: 'cursor', message }]);
    }
    const from = query.occurred_from;
    const [lower, upper] = [from, query.occurred_to].map((v) => v && instantBounds(v));
    if (lower && upper && upper.last < lower.first) {
      const message = 'occurred_to must not be before occurred_from';
      throw ApiError.problems([{ parameter: 'occurred_to', message }]);
    }
    const rows = await this.events.list(
      {
        source: query.source,
        entityId: query.entity_id,
        status: query.status,
        externalRef: query.external_ref,
        occurredFrom: from !== undefined && parseDay(from) ? `${from}T00:00:00Z` : from,
        occurredTo: query.occurred_to,
        occurredToIsDay:
          query.occurred_to !== undefined && parseDay(query.occurred_to) !== undefined,
      },
      cursor,
      query.limit + 1,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ occurredAt: last.occurred_at, id: last.id })
        : null;
    return new Enveloped(page, { limit: query.limit, next_cursor: nextCursor });
  }
}
