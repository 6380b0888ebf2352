import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import {
  ACCEPTED_KEYS,
  routeAccess,
  type AccessConfig,
  type RouteAccess,
} from '../common/api-key.guard.js';
import type { ApiKeys, KeyRole } from '../common/api-keys.js';
import type { RateLimits } from '../config/operations.config.js';

/** Route config (`@RouteConfig(NO_RATE_LIMIT)`) of routes no limit applies to: the probes. */
export const NO_RATE_LIMIT = { rateLimit: false } as const;

export type EdgeRouteConfig = AccessConfig & { rateLimit?: false };

/** Clients (IPs or keys) each limit remembers; the least recently seen are forgotten first. */
const CLIENTS_PER_LIMIT = 10_000;

/**
 * One limit: at most `max` hits per window and client, counted by `@fastify/rate-limit`'s
 * in-memory store (a fixed window per client in an LRU map). The store answers synchronously;
 * the plugin's own hook and `createRateLimit` wrap it in promises, which cost more than the
 * rest of a cached report read's edge work, so the edge calls the store directly.
 */
class Limit {
  private readonly store = new LocalStore(false, false, CLIENTS_PER_LIMIT);

  constructor(
    readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a hit of `client`; the seconds until its window ends when it is over the limit. */
  hit(client: string): number | undefined {
    let state = { current: 0, ttl: 0 };
    this.store.incr(client, (_error, result) => (state = result), this.windowMs, this.max);
    return state.current > this.max ? Math.ceil(state.ttl / 1000) : undefined;
  }

  /** Like `hit` without counting: over the limit once `max` hits were counted. */
  reached(client: string): number | undefined {
    let state = { current: 0, ttl: 0 };
    this.store.read(client, (_error, result) => (state = result), this.windowMs, this.max);
    return state.current >= this.max ? Math.ceil(state.ttl / 1000) : undefined;
  }
}

function rateLimited(reply: FastifyReply, retryAfterSeconds: number, message: string): ApiError {
  const seconds = Math.max(1, retryAfterSeconds);
  void reply.header('retry-after', String(seconds));
  return new ApiError('rate_limited', `${message}; retry in ${seconds} s`, [
    { retry_after_seconds: seconds },
  ]);
}

const requests = (max: number) => `${max} request${max === 1 ? '' : 's'}`;

/**
 * The rate limits of the HTTP edge, in this process's memory:
 *
 * - public routes: per client IP (`RATE_LIMIT_PUBLIC`);
 * - management and ingest routes: per client, i.e. per valid key presented (whatever else the
 *   request presents beside it), else per IP (`RATE_LIMIT_MANAGEMENT`, `RATE_LIMIT_INGEST`);
 * - failed authentications: every 401 counts against the caller's IP; once an IP has
 *   `RATE_LIMIT_AUTH_FAILURES` of them in the window, its requests to protected routes get 429
 *   until the window ends (guessing keys is slowed down; public routes stay open).
 *
 * All share one window (`RATE_LIMIT_WINDOW_SECONDS`); a limit of 0 is off. Over a limit: 429
 * `rate_limited` with `Retry-After`.
 */
export class RateLimiter {
  private readonly limits: Record<RouteAccess, Limit | undefined>;
  private readonly authFailures: Limit | undefined;
  private readonly window: number;

  constructor(
    config: RateLimits,
    private readonly keys: ApiKeys,
    private readonly clientAddress: (request: IncomingMessage) => string,
  ) {
    const windowMs = config.windowSeconds * 1000;
    const limit = (max: number) => (max > 0 ? new Limit(max, windowMs) : undefined);
    this.limits = {
      public: limit(config.public),
      management: limit(config.management),
      ingest: limit(config.ingest),
    };
    this.authFailures = limit(config.authFailures);
    this.window = config.windowSeconds;
  }

  /** Counts the request; the 429 to answer when its client is over a limit. */
  check(
    request: FastifyRequest,
    reply: FastifyReply,
    route: EdgeRouteConfig,
  ): ApiError | undefined {
    if (route.rateLimit === false) return undefined;
    const access = routeAccess(route);
    const ip = this.clientAddress(request.raw);
    if (access === 'public') {
      const retry = this.limits.public?.hit(ip);
      return retry === undefined ? undefined : this.exceeded(reply, retry, this.limits.public!);
    }
    const blocked = this.authFailures?.reached(ip);
    if (blocked !== undefined) {
      return rateLimited(
        reply,
        blocked,
        `too many failed authentications from this address (${this.authFailures!.max} per ` +
          `${this.window} s)`,
      );
    }
    const limit = this.limits[access];
    const retry = limit?.hit(this.client(request, ip, access));
    return retry === undefined ? undefined : this.exceeded(reply, retry, limit!);
  }

  /**
   * After the response: a 401 of a protected route counts as a failed authentication of the
   * caller's IP (not one of `/metrics`, whose token is no key of the API: a scraper with a stale
   * token must not lock its address out of the management routes).
   */
  recordResponse(request: FastifyRequest, statusCode: number): void {
    if (statusCode !== 401) return;
    const access = routeAccess(request.routeOptions.config as EdgeRouteConfig);
    if (access !== 'public') this.authFailures?.hit(this.clientAddress(request.raw));
  }

  /**
   * Whether a public route's request from `client` is within its limit, without counting it
   * (an early answer counts it with `countPublic` once it answers; over the limit, the request
   * goes on to `check`, which counts and refuses it).
   */
  admitsPublic(client: string): boolean {
    return this.limits.public?.reached(client) === undefined;
  }

  /** Counts a public route's request answered after `admitsPublic`. */
  countPublic(client: string): void {
    this.limits.public?.hit(client);
  }

  /** The bucket of a protected route's caller: the valid key it presents, else its IP. */
  private client(request: FastifyRequest, ip: string, access: KeyRole): string {
    const role = this.keys.presentedRole(request.headers, ACCEPTED_KEYS[access]);
    return role === undefined ? `ip:${ip}` : `key:${role}`;
  }

  private exceeded(reply: FastifyReply, retry: number, limit: Limit): ApiError {
    return rateLimited(
      reply,
      retry,
      `rate limit exceeded: at most ${requests(limit.max)} per ${this.window} s`,
    );
  }
}
