import { HttpStatus } from '@nestjs/common';

/** The error codes of SPEC §4 with their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  service_unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal_error: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A domain error that the exception filter turns into `{error: {code, message, details}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
    readonly status: number = ERROR_STATUS[code],
  ) {
    super(message);
  }

  static invalid(message: string, details: unknown[] = []): ApiError {
    return new ApiError('invalid_request', message, details);
  }

  static notFound(message: string): ApiError {
    return new ApiError('not_found', message);
  }
}
