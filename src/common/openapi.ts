import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from './api-error.js';
import { MAX_ERROR_DETAILS } from './exception.filter.js';
import { BODY_MESSAGES, REQUEST_BODY_LIMIT } from './request-body.js';

const EXAMPLE_REQUEST_ID = '5f0c6b1e-8d2a-4c3e-9b7a-2e1f0a9c4d11';

export class PaginationDto {
  @ApiProperty({ example: 20 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({ example: 3, description: 'all matching items, not just this page' }) total: number;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'invalid_request' })
  code: ErrorCode;

  @ApiProperty({ example: 'limit must be between 1 and 100' })
  message: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ parameter: 'limit', message: 'limit must be between 1 and 100' }],
    description:
      `at most ${MAX_ERROR_DETAILS} entries; when there were more, the message ends with how ` +
      'many more (“…; and 1480 more”)',
  })
  details: unknown[];

  @ApiProperty({
    example: EXAMPLE_REQUEST_ID,
    description:
      "The request's id: its `X-Request-Id` when that is 1–128 characters of `[A-Za-z0-9._:-]`, " +
      'else a generated one; also in the `X-Request-Id` response header and the access log line.',
  })
  request_id: string;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error: ErrorBodyDto;
}

const ERROR_EXAMPLES: Record<ErrorCode, string> = {
  invalid_request: 'limit must be between 1 and 100',
  unauthorized: 'a valid management key is required (X-Management-Key or Authorization: Bearer)',
  not_found: 'report not found: no-such-report',
  conflict: 'a recompute of this report, window and date range is already pending or running',
  rate_limited: 'rate limit exceeded: at most 300 requests per 60 s; retry in 42 s',
  service_unavailable: 'the recompute queue is full; try again later',
  internal_error: 'an unexpected error occurred',
};

export interface ErrorExample {
  message: string;
  details?: unknown[];
}

/** Documents one error code of a route with named, route-specific examples. */
export function ApiErrorExamples(
  code: ErrorCode,
  examples: Record<string, ErrorExample>,
  description: string = code,
  status: number = ERROR_STATUS[code],
) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({
      status,
      description,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorResponseDto) },
          examples: Object.fromEntries(
            Object.entries(examples).map(([name, { message, details = [] }]) => [
              name,
              {
                summary: message,
                value: { error: { code, message, details, request_id: EXAMPLE_REQUEST_ID } },
              },
            ]),
          ),
        },
      },
    }),
  );
}

/**
 * The errors of a body as a whole, for a route that takes JSON (see request-body.ts): its 400s
 * join the route's own examples through `bodyErrorExamples`, plus the 413 (for a route whose
 * limit is not the default one, give it) and the 415.
 */
export function ApiJsonBodyErrors(limit: number = REQUEST_BODY_LIMIT, limitNote = '') {
  return applyDecorators(
    ApiErrorExamples(
      'invalid_request',
      { tooLarge: { message: BODY_MESSAGES.tooLarge(limit) } },
      `invalid_request: the body is larger than the limit${limitNote}`,
      413,
    ),
    ApiErrorExamples(
      'invalid_request',
      {
        notJson: { message: BODY_MESSAGES.notJson },
        charset: { message: BODY_MESSAGES.charset },
        compressed: { message: BODY_MESSAGES.encoded },
      },
      'invalid_request: the body is not JSON in UTF-8',
      415,
    ),
  );
}

/** The 400s of a JSON body as a whole, to list beside a route's field errors. */
export const bodyErrorExamples: Record<string, ErrorExample> = {
  malformedJson: { message: BODY_MESSAGES.invalidJson },
  notAnObject: { message: BODY_MESSAGES.notObject },
  tooDeep: { message: BODY_MESSAGES.tooDeep },
};

const UNKNOWN_PARAMETER = 'page is not a known query parameter (allowed: none)';
const UNKNOWN_FIELD = 'force is not a known field (allowed: none)';

/**
 * The 400 of a route that takes no query parameters (`@Query() _query: NoParameters`) and, with
 * `body`, no body fields either.
 */
export function ApiNoParametersErrors(body = false) {
  const examples: Record<string, ErrorExample> = {
    unknownParameter: {
      message: UNKNOWN_PARAMETER,
      details: [{ parameter: 'page', message: UNKNOWN_PARAMETER }],
    },
  };
  if (body) {
    examples.unknownField = {
      message: UNKNOWN_FIELD,
      details: [{ parameter: 'force', message: UNKNOWN_FIELD }],
    };
  }
  return ApiErrorExamples('invalid_request', examples);
}

/** Documents the error envelope for each code a route can answer with (and 500). */
export function ApiErrors(...codes: ErrorCode[]) {
  return applyDecorators(
    ...[...codes, 'internal_error' as const].map((code) =>
      ApiErrorExamples(code, { [code]: { message: ERROR_EXAMPLES[code] } }),
    ),
  );
}

interface EnvelopeOptions {
  status?: number;
  description?: string;
  isArray?: boolean;
  paginated?: boolean;
  /** Extra `meta` properties beside pagination. */
  meta?: Record<string, object>;
}

/** Documents a success response in the `{data, meta}` envelope. */
export function ApiEnvelope(model: Type<unknown>, options: EnvelopeOptions = {}) {
  const item = { $ref: getSchemaPath(model) };
  const metaProperties: Record<string, object> = { ...options.meta };
  if (options.paginated) metaProperties.pagination = { $ref: getSchemaPath(PaginationDto) };
  return applyDecorators(
    ApiExtraModels(model, PaginationDto),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'OK',
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: {
          data: options.isArray ? { type: 'array', items: item } : item,
          meta: { type: 'object', properties: metaProperties },
        },
      },
    }),
  );
}
