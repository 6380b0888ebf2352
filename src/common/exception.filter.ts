import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError, type ErrorCode } from './api-error.js';
import { isDatabaseUnavailable } from './database-errors.js';

interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: unknown[];
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  503: 'service_unavailable',
};

/** Errors raised by the HTTP layer itself (Fastify's body parser and limits). */
function fromHttpLayer(error: { statusCode?: unknown; code?: unknown; message?: unknown }) {
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code = String(error.code ?? '');
  let message = String(error.message ?? 'invalid request');
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    message = 'request body must be valid JSON';
  } else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    message = 'request body must not be empty when content-type is application/json';
  } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    message = 'content-type must be application/json';
  }
  return {
    status,
    body: { code: CODE_BY_STATUS[status] ?? 'invalid_request', message, details: [] },
  };
}

function describe(exception: unknown): { status: number; body: ErrorBody } | undefined {
  if (exception instanceof ApiError) {
    return {
      status: exception.status,
      body: { code: exception.code, message: exception.message, details: exception.details },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500 && status !== 503) return undefined;
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' ? (response as { message?: unknown }).message : response;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
    const code = CODE_BY_STATUS[status] ?? 'invalid_request';
    const text =
      code === 'not_found' && message.startsWith('Cannot ')
        ? `route not found: ${message.slice(7)}`
        : message;
    return { status, body: { code, message: text, details: [] } };
  }
  if (exception && typeof exception === 'object') return fromHttpLayer(exception);
  return undefined;
}

/** Maps every error to the `{error: {code, message, details}}` envelope; unknown ones to a bare 500. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let described = describe(exception);
    if (!described && isDatabaseUnavailable(exception)) {
      described = {
        status: 503,
        body: {
          code: 'service_unavailable',
          message: 'the database is unavailable; try again later',
          details: [],
        },
      };
    }
    if (!described) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
      described = {
        status: 500,
        body: { code: 'internal_error', message: 'an unexpected error occurred', details: [] },
      };
    }
    void reply.status(described.status).send({ error: described.body });
  }
}
