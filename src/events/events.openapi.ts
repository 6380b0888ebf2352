import { applyDecorators } from '@nestjs/common';
import { INGEST_BYTES_PER_EVENT } from '../common/app-setup.js';
import {
  ApiErrorExamples,
  ApiErrors,
  ApiJsonBodyErrors,
  ApiNoParametersErrors,
  bodyErrorExamples,
} from '../common/openapi.js';

/** Request examples of `POST /events` (they succeed against the demo data when executed). */
export const INGEST_EXAMPLES = {
  one: {
    summary: 'one event',
    value: {
      events: [
        {
          external_ref: 'docs-example-1',
          source: 'stripe',
          entity_id: 'merchant-1042',
          status: 'success',
          processing_ms: 240,
          amount_cents: 1999,
          occurred_at: '2026-11-28T09:30:00Z',
          payload: { region: 'eu-west', card: 'visa' },
        },
      ],
    },
  },
  late: {
    summary: 'a late event, with an offset and no payload',
    value: {
      events: [
        {
          external_ref: 'docs-example-2',
          source: 'adyen',
          entity_id: 'merchant-7',
          status: 'failed',
          processing_ms: 1310,
          amount_cents: 0,
          occurred_at: '2026-11-20T23:45:00.250+01:00',
        },
      ],
    },
  },
};

const detail = (parameter: string, message: string) => ({
  message,
  details: [{ parameter, message }],
});

/** The errors of `POST /events`, with the messages the service really sends. */
export function ApiIngestErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badEvent: {
        message:
          'events[3].occurred_at must be an RFC 3339 timestamp with an offset, e.g. 2026-11-28T09:30:00Z; events[7].amount_cents must be an integer',
        details: [
          {
            parameter: 'events[3].occurred_at',
            message:
              'events[3].occurred_at must be an RFC 3339 timestamp with an offset, e.g. 2026-11-28T09:30:00Z',
          },
          {
            parameter: 'events[7].amount_cents',
            message: 'events[7].amount_cents must be an integer',
          },
        ],
      },
      inactiveSource: detail(
        'events[0].source',
        'events[0].source must be the slug of an active event source (unknown or inactive: legacy-pay)',
      ),
      tooMany: detail('events', 'events must hold 1 to 1000 events (got 1001)'),
      unknownField: detail(
        'events[0].priority',
        'events[0].priority is not a known field (allowed: external_ref, source, entity_id, status, processing_ms, amount_cents, occurred_at, payload)',
      ),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(
      1000 * INGEST_BYTES_PER_EVENT,
      ` (${INGEST_BYTES_PER_EVENT} bytes per event of INGEST_MAX_BATCH, 1000 by default)`,
    ),
  );
}

/** The errors of `GET /events`. */
export function ApiListEventsErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badCursor: detail(
        'cursor',
        'cursor is not valid: pass back the meta.next_cursor of a previous page',
      ),
      badLimit: detail('limit', 'limit must be between 1 and 500'),
    }),
  );
}

/** The errors of `GET /sources`, which takes no parameters. */
export function ApiListSourcesErrors() {
  return applyDecorators(ApiNoParametersErrors(), ApiErrors());
}

export function ApiCreateSourceErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badSlug: detail(
        'slug',
        'slug must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit',
      ),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('conflict', { exists: { message: 'event source already exists: stripe' } }),
  );
}

export function ApiUpdateSourceErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      nothingToChange: detail('body', 'give at least one of provider_name, description, is_active'),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('not_found', { unknownSource: { message: 'event source not found: nope' } }),
  );
}
