import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from './api-error.js';

export class PaginationDto {
  @ApiProperty({ example: 20 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({ example: 3, description: 'all matching items, not just this page' }) total: number;
}

export class PageMetaDto {
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'invalid_request' })
  code: ErrorCode;

  @ApiProperty({ example: 'limit must not be greater than 100' })
  message: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ parameter: 'limit', message: 'limit must not be greater than 100' }],
  })
  details: unknown[];
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error: ErrorBodyDto;
}

const ERROR_EXAMPLES: Record<ErrorCode, string> = {
  invalid_request: 'limit must not be greater than 100',
  unauthorized: 'a valid management key is required (X-Management-Key or Authorization: Bearer)',
  not_found: 'report not found: no-such-report',
  conflict: 'a recompute of this report, window and date range is already pending or running',
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
) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({
      status: ERROR_STATUS[code],
      description,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorResponseDto) },
          examples: Object.fromEntries(
            Object.entries(examples).map(([name, { message, details = [] }]) => [
              name,
              { summary: message, value: { error: { code, message, details } } },
            ]),
          ),
        },
      },
    }),
  );
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
