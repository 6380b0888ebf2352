import { applyDecorators } from '@nestjs/common';
import { INGEST_BYTES_PER_EVENT } from '../common/app-setup.js';
import { exampleTime } from '../common/example-dates.js';
import {
  ApiErrorExamples,
  ApiErrors,
  ApiJsonBodyErrors,
  ApiNoParametersErrors,
  bodyErrorExamples,
  problemExample,
} from '../common/openapi.js';

/**
 * Request examples of `POST /events`: they succeed when executed (their days are relative to the
 * day the document is built, in the past, inside the demo data's range).
 */
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
          occurred_at: exampleTime(-1, '09:30:00Z'),
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
          occurred_at: exampleTime(-5, '23:45:00.250+01:00'),
        },
      ],
    },
  },
};

/** The 200 of `POST /events`: what the batch did, counted. */
export const INGESTED_EXAMPLES = {
  stored: {
    summary: 'a new event: stored',
    value: { data: { accepted: 1, duplicates: 0, conflicts: [] }, meta: {} },
  },
  again: {
    summary: 'the same event sent again: a duplicate, stored once',
    value: { data: { accepted: 0, duplicates: 1, conflicts: [] }, meta: {} },
  },
  conflict: {
    summary: 'its external_ref stored with other content: not changed',
    value: {
      data: {
        accepted: 0,
        duplicates: 0,
        conflicts: [{ index: 0, external_ref: 'docs-example-1' }],
      },
      meta: {},
    },
  },
};

/** Request examples of `POST /sources`: a new source (a second Execute is a 409). */
export const CREATE_SOURCE_EXAMPLES = {
  mollie: {
    summary: 'add a source',
    value: { slug: 'mollie', provider_name: 'Mollie', description: 'Mollie payment events' },
  },
};

/** Request examples of `PATCH /sources/{slug}`; the first changes only the description. */
export const UPDATE_SOURCE_EXAMPLES = {
  describe: {
    summary: 'describe the source',
    value: { description: 'PayPal payment events (EU and US)' },
  },
  rename: { summary: 'rename the source', value: { provider_name: 'PayPal Europe' } },
  deactivate: {
    summary: 'deactivate it: its new events are refused (send true to reactivate)',
    value: { is_active: false },
  },
};

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
      inactiveSource: problemExample(
        'events[0].source',
        'events[0].source must be the slug of an active event source (unknown or inactive: legacy-pay)',
      ),
      tooMany: problemExample('events', 'events must hold 1 to 1000 events (got 1001)'),
      unknownField: problemExample(
        'events[0].priority',
        'events[0].priority is not a known field (allowed: external_ref, source, entity_id, status, processing_ms, amount_cents, occurred_at, payload)',
      ),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(
      1000 * INGEST_BYTES_PER_EVENT,
      ` (${INGEST_BYTES_PER_EVENT} bytes per event of INGEST_MAX_BATCH, 1000 by default)`,
    ),
    ApiErrors('service_unavailable'),
  );
}

const UNKNOWN_LIST_PARAMETER =
  'page is not a known query parameter (allowed: source, entity_id, status, external_ref, ' +
  'occurred_from, occurred_to, limit, cursor)';

/** The errors of `GET /events`. */
export function ApiListEventsErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badCursor: problemExample(
        'cursor',
        'cursor is not valid: pass back the meta.next_cursor of a previous page',
      ),
      badLimit: problemExample('limit', 'limit must be between 1 and 500'),
      badStatus: problemExample('status', 'status must be one of success, failed, pending'),
      badInstant: problemExample(
        'occurred_from',
        'occurred_from must be an RFC 3339 timestamp with an offset (2026-11-28T09:30:00Z) or a day (2026-11-28)',
      ),
      reversedRange: problemExample('occurred_to', 'occurred_to must not be before occurred_from'),
      unknownParameter: problemExample('page', UNKNOWN_LIST_PARAMETER),
    }),
    ApiErrors('service_unavailable'),
  );
}

/** The errors of `GET /sources`, which takes no parameters. */
export function ApiListSourcesErrors() {
  return applyDecorators(ApiNoParametersErrors(), ApiErrors('service_unavailable'));
}

export function ApiCreateSourceErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badSlug: problemExample(
        'slug',
        'slug must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit',
      ),
      missingName: problemExample('provider_name', 'provider_name is required'),
      unknownField: problemExample(
        'color',
        'color is not a known field (allowed: slug, provider_name, description)',
      ),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('conflict', { exists: { message: 'event source already exists: stripe' } }),
    ApiErrors('service_unavailable'),
  );
}

export function ApiUpdateSourceErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      nothingToChange: problemExample(
        'body',
        'give at least one of provider_name, description, is_active',
      ),
      badActive: problemExample('is_active', 'is_active must be true or false'),
      unknownField: problemExample(
        'slug',
        'slug is not a known field (allowed: provider_name, description, is_active)',
      ),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('not_found', { unknownSource: { message: 'event source not found: nope' } }),
    ApiErrors('service_unavailable'),
  );
}
