import { HttpStatus } from '@nestjs/common';
import type { Problem } from './input-rules.js';

/** The error codes of the API envelope with their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  not_found: HttpStatus.NOT_FOUND,
  method_not_allowed: HttpStatus.METHOD_NOT_ALLOWED,
  conflict: HttpStatus.CONFLICT,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
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

  /**
   * A 400 for bad input: `details` lists each problem, the message joins their messages. (The
   * exception filter sends at most MAX_ERROR_DETAILS of them, and says how many more there are.)
   */
  static problems(problems: Problem[]): ApiError {
    const message = problems.map((problem) => problem.message).join('; ') || 'invalid request';
    return new ApiError('invalid_request', message, problems);
  }

  static notFound(message: string): ApiError {
    return new ApiError('not_found', message);
  }
}
