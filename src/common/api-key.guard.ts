import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { ApiError } from './api-error.js';
import { ApiKeys, type KeyRole } from './api-keys.js';
import { ApiErrors } from './openapi.js';
import { BEARER_SCHEME, INGEST_KEY_SCHEME, MANAGEMENT_KEY_SCHEME } from './swagger.js';

const ACCEPTED_ROLES = 'tally:accepted-key-roles';

export const UNAUTHORIZED_MESSAGE =
  'a valid management key is required (X-Management-Key or Authorization: Bearer)';
export const INGEST_UNAUTHORIZED_MESSAGE =
  'a valid ingest key is required (X-Ingest-Key or Authorization: Bearer; the management key also works)';

/** The roles whose key a route accepts: the management key opens every protected route. */
export const ACCEPTED_KEYS: Record<KeyRole, readonly KeyRole[]> = {
  management: ['management'],
  ingest: ['ingest', 'management'],
};

/**
 * Protected routes: the request must present a key the route accepts (see `ManagementAuth` and
 * `IngestAuth`), in any of the key headers or as a bearer token (compared as `ApiKeys` says).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;

  constructor(
    @Inject(appConfig.KEY) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.keys = new ApiKeys(config);
  }

  canActivate(context: ExecutionContext): boolean {
    const roles =
      this.reflector.getAllAndOverride<readonly KeyRole[] | undefined>(ACCEPTED_ROLES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? ACCEPTED_KEYS.management;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const refused = authenticationError(this.keys, request.headers, roles);
    if (refused) throw refused;
    return true;
  }
}

/**
 * The 401 of a request to a route that accepts the keys of `roles` when it presents none of
 * them, else undefined. The HTTP edge asks first, before the body is read; the guard again.
 */
export function authenticationError(
  keys: ApiKeys,
  headers: FastifyRequest['headers'],
  roles: readonly KeyRole[],
): ApiError | undefined {
  if (keys.presentedRole(headers, roles) !== undefined) return undefined;
  const message = roles.includes('ingest') ? INGEST_UNAUTHORIZED_MESSAGE : UNAUTHORIZED_MESSAGE;
  return new ApiError('unauthorized', message);
}

/** Who may call a route: anyone, or a caller presenting the management or ingest key. */
export type RouteAccess = 'public' | KeyRole;

/** The Fastify route config field that tells the HTTP edge (rate limits) a route's access. */
export interface AccessConfig {
  access?: KeyRole;
}

/**
 * Records a route's access in its Fastify route config, so the HTTP edge can tell protected
 * routes apart before Nest runs. On a controller it marks every route of the class, except the
 * ones a route-level decorator already marked (the route's own decorator wins, as for the guard).
 */
function RouteAccessConfig(access: KeyRole) {
  const mark = (handler: unknown, override: boolean) => {
    if (typeof handler !== 'function') return;
    const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
      AccessConfig | undefined;
    if (config?.access && !override) return;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, access }, handler);
  };
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) return mark(descriptor.value, true);
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name !== 'constructor')
        mark(Object.getOwnPropertyDescriptor(prototype, name)?.value, false);
    }
  };
}

/** The access of a route, from its Fastify route config (see `RouteAccessConfig`). */
export function routeAccess(config: AccessConfig | undefined): RouteAccess {
  return config?.access ?? 'public';
}

/**
 * Protects a controller or route with the management key and documents it in OpenAPI: either
 * scheme satisfies it (Swagger UI's Authorize button offers both), and 401 is listed.
 */
export function ManagementAuth() {
  return applyDecorators(
    SetMetadata(ACCEPTED_ROLES, ACCEPTED_KEYS.management),
    RouteAccessConfig('management'),
    UseGuards(ApiKeyGuard),
    ApiSecurity(MANAGEMENT_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrors('unauthorized'),
  );
}

/** Protects an ingestion route: the ingest key, or the management key (admins backfill). */
export function IngestAuth() {
  return applyDecorators(
    SetMetadata(ACCEPTED_ROLES, ACCEPTED_KEYS.ingest),
    RouteAccessConfig('ingest'),
    UseGuards(ApiKeyGuard),
    ApiSecurity(INGEST_KEY_SCHEME),
    ApiSecurity(MANAGEMENT_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrors('unauthorized'),
  );
}
