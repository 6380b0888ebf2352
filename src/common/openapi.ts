import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from './api-error.js';
import type { RunStatus } from '../database/entities/index.js';
import { DATABASE_UNAVAILABLE_MESSAGE, MAX_ERROR_DETAILS } from './exception.filter.js';
import { BODY_MESSAGES, REQUEST_BODY_LIMIT } from './request-body.js';

const EXAMPLE_REQUEST_ID = '5f0c6b1e-8d2a-4c3e-9b7a-2e1f0a9c4d11';

export class PaginationDto {
  @ApiProperty({ example: 20 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({ example: 3, description: 'all matching items, not just this page' }) total: number;
}

/** A run id for examples: ids differ in every database (`GET /recomputations` lists real ones). */
export const EXAMPLE_RUN_ID = '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19';

/** One problem of a 400: the parameter or field at fault and what is wrong with it. */
export class ProblemDetailDto {
  @ApiProperty({
    example: 'limit',
    description:
      'a query or path parameter, a body field (`report_slug`, `events[3].occurred_at`), or ' +
      '`body` for the body as a whole',
  })
  parameter: string;

  @ApiProperty({ example: 'limit must be between 1 and 100' })
  message: string;
}

/** The detail of the 409 of `POST /recomputations`: the run that holds the scope. */
export class ConflictDetailDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN_ID })
  run_id: string;

  @ApiProperty({ enum: ['pending', 'running'] satisfies RunStatus[], example: 'running' })
  status: RunStatus;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'invalid_request' })
  code: ErrorCode;

  @ApiProperty({ example: 'limit must be between 1 and 100' })
  message: string;

  @ApiProperty({
    type: 'array',
    maxItems: MAX_ERROR_DETAILS,
    items: {
      oneOf: [
        { $ref: getSchemaPath(ProblemDetailDto) },
        { $ref: getSchemaPath(ConflictDetailDto) },
      ],
    },
    example: [{ parameter: 'limit', message: 'limit must be between 1 and 100' }],
    description:
      'What went wrong, one entry per problem: a 400 lists `{parameter, message}` ' +
      '(ProblemDetailDto) for each bad parameter or field; the 409 of `POST /recomputations` ' +
      'names the run that holds the scope as `{run_id, status}` (ConflictDetailDto) while it ' +
      'is still active; every other error has an empty list. At most ' +
      `${MAX_ERROR_DETAILS} entries: when there were more, the message ends with how many ` +
      'more (“…; and 1480 more”).',
  })
  details: (ProblemDetailDto | ConflictDetailDto)[];

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

/** The 503 of any route that reads or writes the database, when it cannot be reached. */
export const DATABASE_DOWN: Record<string, ErrorExample> = {
  databaseDown: { message: DATABASE_UNAVAILABLE_MESSAGE },
};

const ERROR_EXAMPLES: Record<ErrorCode, string> = {
  invalid_request: 'limit must be between 1 and 100',
  unauthorized: 'a valid management key is required (X-Management-Key or Authorization: Bearer)',
  not_found: 'report not found: no-such-report',
  method_not_allowed: 'method not allowed: DELETE /api/v1/reports; this path answers GET, HEAD',
  conflict: 'a recompute of this report, window and date range is already pending or running',
  rate_limited: 'rate limit exceeded: at most 300 requests per 60 s; retry in 42 s',
  service_unavailable: DATABASE_UNAVAILABLE_MESSAGE,
  internal_error: 'an unexpected error occurred',
};

export interface ErrorExample {
  message: string;
  details?: unknown[];
}

/** The example of a 400 with one problem: its message, and the same as its one detail. */
export function problemExample(parameter: string, message: string): ErrorExample {
  return { message, details: [{ parameter, message }] };
}

/** Documents one error code of a route with named, route-specific examples. */
export function ApiErrorExamples(
  code: ErrorCode,
  examples: Record<string, ErrorExample>,
  description: string = code,
  status: number = ERROR_STATUS[code],
) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto, ProblemDetailDto, ConflictDetailDto),
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
 * `body`, no body fields either (its body, when sent, is JSON: see ApiJsonBodyErrors); `more`
 * adds the route's other 400 examples.
 */
export function ApiNoParametersErrors(body = false, more: Record<string, ErrorExample> = {}) {
  const examples: Record<string, ErrorExample> = {
    unknownParameter: problemExample('page', UNKNOWN_PARAMETER),
    ...more,
  };
  if (body) {
    examples.unknownField = problemExample('force', UNKNOWN_FIELD);
    Object.assign(examples, bodyErrorExamples);
  }
  return body
    ? applyDecorators(ApiErrorExamples('invalid_request', examples), ApiJsonBodyErrors())
    : ApiErrorExamples('invalid_request', examples);
}

/** Documents the error envelope for each code a route can answer with (and 500). */
export function ApiErrors(...codes: ErrorCode[]) {
  return applyDecorators(
    ...[...codes, 'internal_error' as const].map((code) =>
      ApiErrorExamples(
        code,
        code === 'service_unavailable'
          ? DATABASE_DOWN
          : { [code]: { message: ERROR_EXAMPLES[code] } },
      ),
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
  /**
   * Named examples of the whole body, for a response whose real values differ from what Swagger
   * UI would build from the schema's property examples (a new run is pending, not completed).
   */
  examples?: Record<string, { summary: string; value: { data: unknown; meta: object } }>;
}

/** Documents a success response in the `{data, meta}` envelope. */
export function ApiEnvelope(model: Type<unknown>, options: EnvelopeOptions = {}) {
  const item = { $ref: getSchemaPath(model) };
  const metaProperties: Record<string, object> = { ...options.meta };
  if (options.paginated) metaProperties.pagination = { $ref: getSchemaPath(PaginationDto) };
  const schema = {
    type: 'object' as const,
    required: ['data', 'meta'],
    properties: {
      data: options.isArray ? { type: 'array', items: item } : item,
      meta: { type: 'object', properties: metaProperties },
    },
  };
  return applyDecorators(
    ApiExtraModels(model, PaginationDto),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'OK',
      ...(options.examples
        ? { content: { 'application/json': { schema, examples: options.examples } } }
        : { schema }),
    }),
  );
}
