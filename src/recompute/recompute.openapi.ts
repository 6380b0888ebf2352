import { applyDecorators } from '@nestjs/common';
import { ApiErrorExamples, ApiJsonBodyErrors, bodyErrorExamples } from '../common/openapi.js';

const RUN_ID = '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19';
const UNKNOWN_PARAMETER = 'window is not a known query parameter (allowed: none)';
const UNKNOWN_FIELD =
  'priority is not a known field (allowed: report_slug, window, date_from, date_to, requested_by)';

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
      unknownField: {
        message: UNKNOWN_FIELD,
        details: [{ parameter: 'priority', message: UNKNOWN_FIELD }],
      },
      badDate: {
        message: 'date_to must be a real calendar date (2026-02-30 does not exist)',
        details: [
          {
            parameter: 'date_to',
            message: 'date_to must be a real calendar date (2026-02-30 does not exist)',
          },
        ],
      },
      reversedRange: {
        message: 'date_from must not be after date_to',
        details: [{ parameter: 'date_from', message: 'date_from must not be after date_to' }],
      },
      rangeTooLong: {
        message: 'date_from to date_to spans 400 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)',
        details: [
          {
            parameter: 'date_from',
            message:
              'date_from to date_to spans 400 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)',
          },
        ],
      },
      ...bodyErrorExamples,
    }),
    ApiJsonBodyErrors(),
    ApiErrorExamples('not_found', {
      unknownReport: { message: 'report not found: no-such-report' },
    }),
    ApiErrorExamples('conflict', {
      scopeBusy: {
        message:
          'a recompute of volume-by-period/day 2026-11-01..2026-11-30 is already pending or running',
        details: [{ run_id: RUN_ID, status: 'running' }],
      },
    }),
    ApiErrorExamples('service_unavailable', {
      queueFull: { message: 'the recompute queue is full; try again later' },
      shuttingDown: { message: 'the service is shutting down; try again later' },
    }),
  );
}

/** The errors of `GET /recomputations/{id}`. */
export function ApiGetRunErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      malformedId: {
        message: 'id must be a UUID',
        details: [{ parameter: 'id', message: 'id must be a UUID' }],
      },
      unknownParameter: {
        message: UNKNOWN_PARAMETER,
        details: [{ parameter: 'window', message: UNKNOWN_PARAMETER }],
      },
    }),
    ApiErrorExamples('not_found', {
      unknownRun: { message: `recompute run not found: ${RUN_ID}` },
    }),
  );
}
