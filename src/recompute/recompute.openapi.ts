import { applyDecorators } from '@nestjs/common';
import { exampleDay, exampleTime } from '../common/example-dates.js';
import {
  ApiErrorExamples,
  ApiErrors,
  ApiJsonBodyErrors,
  bodyErrorExamples,
  DATABASE_DOWN,
  EXAMPLE_RUN_ID,
  problemExample,
} from '../common/openapi.js';
import type { CreateRecomputationDto } from './dto/create-recomputation.dto.js';
import type { RecomputeRunDto } from './dto/recompute-run.dto.js';

/**
 * OpenAPI examples and errors of the run routes. Example dates are relative to the day the
 * document is built (example-dates.ts), so the request examples rebuild buckets of the demo data
 * and succeed when executed.
 */

const DAY_BODY = {
  report_slug: 'volume-by-period',
  window: 'day',
  date_from: exampleDay(-6),
  date_to: exampleDay(),
  requested_by: 'alice@ops',
} satisfies CreateRecomputationDto;

/** Request examples of `POST /recomputations`; the first is what "Try it out" sends. */
export const TRIGGER_EXAMPLES = {
  day: { summary: 'rebuild the last 7 days, daily buckets', value: DAY_BODY },
  week: {
    summary: 'rebuild the weeks of the last 4 weeks (whole weeks, Monday to Sunday)',
    value: {
      report_slug: 'status-counts',
      window: 'week',
      date_from: exampleDay(-27),
      date_to: exampleDay(),
    } satisfies CreateRecomputationDto,
  },
};

/** A run as it is created: pending, not started, no summary yet. */
function pendingRun(body: Omit<CreateRecomputationDto, 'requested_by'>, requestedBy: string) {
  return {
    id: EXAMPLE_RUN_ID,
    ...body,
    requested_by: requestedBy,
    status: 'pending',
    requested_at: exampleTime(0, '06:00:00.000Z'),
    started_at: null,
    finished_at: null,
    summary: null,
    error_message: null,
  } satisfies RecomputeRunDto;
}

const { requested_by: requestedBy, ...dayScope } = DAY_BODY;

/** The 202 of `POST /recomputations`: the run just created, still pending. */
export const TRIGGERED_EXAMPLES = {
  pending: {
    summary: 'the run of the `day` example, as created',
    value: { data: pendingRun(dayScope, requestedBy), meta: {} },
  },
};

/** The 202 of `POST /refresh`: the runs it created (none when nothing is dirty). */
export const REFRESH_EXAMPLES = {
  clean: { summary: 'nothing is dirty: no run', value: { data: [], meta: {} } },
  refreshed: {
    summary: "an event of today's changed a day: its buckets are rebuilt",
    value: {
      data: [
        pendingRun(
          {
            report_slug: 'volume-by-period',
            window: 'day',
            date_from: exampleDay(),
            date_to: exampleDay(),
          },
          'scheduler',
        ),
      ],
      meta: {},
    },
  },
};

const UNKNOWN_FIELD =
  'priority is not a known field (allowed: report_slug, window, date_from, date_to, requested_by)';
const RANGE_TOO_LONG =
  'date_from to date_to spans 400 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)';
const BEFORE_RETENTION =
  `date_from must not be before ${exampleDay(-180)}: top-entities/day keeps 180 days of ` +
  `snapshots (the first day kept is ${exampleDay(-180)})`;

/** The errors of `POST /recomputations`, with the messages the service really sends. */
export function ApiTriggerErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      missingFields: {
        message:
          'report_slug is required; window is required; date_from is required; date_to is required',
        details: ['report_slug', 'window', 'date_from', 'date_to'].map((parameter) => ({
          parameter,
          message: `${parameter} is required`,
        })),
      },
      unknownField: problemExample('priority', UNKNOWN_FIELD),
      badWindow: problemExample('window', 'window must be one of day, week'),
      badDate: problemExample(
        'date_to',
        'date_to must be a real calendar date (2026-02-30 does not exist)',
      ),
      reversedRange: problemExample('date_from', 'date_from must not be after date_to'),
      rangeTooLong: problemExample('date_from', RANGE_TOO_LONG),
      beforeRetention: problemExample('date_from', BEFORE_RETENTION),
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('not_found', {
      unknownReport: { message: 'report not found: no-such-report' },
    }),
    ApiErrorExamples('conflict', {
      scopeBusy: {
        message:
          `a recompute of volume-by-period/day ${exampleDay(-6)}..${exampleDay()} is already ` +
          'pending or running',
        details: [{ run_id: EXAMPLE_RUN_ID, status: 'running' }],
      },
    }),
    ApiErrorExamples('service_unavailable', {
      queueFull: { message: 'the recompute queue is full; try again later' },
      shuttingDown: { message: 'the service is shutting down; try again later' },
      ...DATABASE_DOWN,
    }),
    ApiErrors(),
  );
}

/** The errors of `GET /recomputations`. */
export function ApiListRunsErrors() {
  const unknown =
    'page is not a known query parameter (allowed: status, report_slug, limit, offset)';
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      badStatus: problemExample(
        'status',
        'status must be one of pending, running, completed, failed',
      ),
      badLimit: problemExample('limit', 'limit must be between 1 and 100'),
      unknownParameter: problemExample('page', unknown),
    }),
    ApiErrors('service_unavailable'),
  );
}

/** The errors of `GET /recomputations/{id}`. */
export function ApiGetRunErrors() {
  const unknown = 'window is not a known query parameter (allowed: none)';
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      malformedId: problemExample('id', 'id must be a UUID'),
      unknownParameter: problemExample('window', unknown),
    }),
    ApiErrorExamples('not_found', {
      unknownRun: { message: `recompute run not found: ${EXAMPLE_RUN_ID}` },
    }),
    ApiErrors('service_unavailable'),
  );
}
