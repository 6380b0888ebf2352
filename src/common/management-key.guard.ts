import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  Inject,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { ApiError } from './api-error.js';
import { ApiErrors } from './openapi.js';
import { MANAGEMENT_BEARER_SCHEME, MANAGEMENT_KEY_SCHEME } from './swagger.js';

export const UNAUTHORIZED_MESSAGE =
  'a valid management key is required (X-Management-Key or Authorization: Bearer)';

const BEARER = /^Bearer[ \t]+(.+)$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The keys a request presents: the `X-Management-Key` header and/or an `Authorization: Bearer`
 * token. A header sent twice (an array) presents nothing: it is ambiguous, so it never matches.
 */
export function presentedKeys(headers: FastifyRequest['headers']): string[] {
  const keys: string[] = [];
  const header = headers['x-management-key'];
  if (typeof header === 'string' && header.trim() !== '') keys.push(header.trim());
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
  if (bearer && bearer[1].trim() !== '') keys.push(bearer[1].trim());
  return keys;
}

/**
 * Management routes (SPEC §4): the request must present the configured management key, as
 * `X-Management-Key: <key>` or `Authorization: Bearer <key>`. Both sides are hashed with
 * SHA-256 before a constant-time comparison, so neither the key's content nor its length leaks
 * through timing, and keys of any length compare safely. The key is never logged or echoed.
 */
@Injectable()
export class ManagementKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.expected = digest(config.managementApiKey);
  }

  /** True when `key` is the management key; constant time in the key's content. */
  matches(key: string): boolean {
    return timingSafeEqual(digest(key), this.expected);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Every presented key is compared (no early exit), so timing does not tell which one failed.
    const results = presentedKeys(request.headers).map((key) => this.matches(key));
    if (results.includes(true)) return true;
    throw new ApiError('unauthorized', UNAUTHORIZED_MESSAGE);
  }
}

/**
 * Protects a controller or route with the management key and documents it in OpenAPI: either
 * scheme satisfies it (Swagger UI's Authorize button offers both), and 401 is listed.
 */
export function ManagementAuth() {
  return applyDecorators(
    UseGuards(ManagementKeyGuard),
    ApiSecurity(MANAGEMENT_KEY_SCHEME),
    ApiBearerAuth(MANAGEMENT_BEARER_SCHEME),
    ApiErrors('unauthorized'),
  );
}
