import { applyDecorators } from '@nestjs/common';
import { ApiErrorExamples } from '../common/openapi.js';

const RUN_ID = '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19';

/** The errors of `POST /recomputations`, with the messages the service really sends. */
export function ApiTriggerErrors() {
  return applyDecorators(
    ApiErrorExamples('invalid_request', {
      unknownField: {
        message: 'property priority should not exist',
        details: [{ parameter: 'priority', message: 'property priority should not exist' }],
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
      malformedJson: { message: 'request body must be valid JSON' },
    }),
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
    }),
    ApiErrorExamples('not_found', {
      unknownRun: { message: `recompute run not found: ${RUN_ID}` },
    }),
  );
}
