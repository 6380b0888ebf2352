import type { Response } from 'supertest';
import { INGEST_KEY, MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';

/** A window no test outlives, so counts never reset mid-test. */
const WINDOW = '3600';

/** Limits of the protected routes' tests: 2 management requests, 1 ingest batch. */
const PROTECTED_LIMITS = {
  RATE_LIMIT_MANAGEMENT: '2',
  RATE_LIMIT_INGEST: '1',
  RATE_LIMIT_AUTH_FAILURES: '0',
  RATE_LIMIT_WINDOW_SECONDS: WINDOW,
};

function expectRateLimited(res: Response, message: RegExp): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
  expect(res.body).toEqual({
    error: {
      code: 'rate_limited',
      message: expect.stringMatching(message),
      details: [{ retry_after_seconds: retryAfter }],
      request_id: res.headers['x-request-id'],
    },
  });
}

describe('rate limit of public routes (per client IP)', () => {
  const ctx = useTestApp('migrated', {
    env: { RATE_LIMIT_PUBLIC: '3', RATE_LIMIT_WINDOW_SECONDS: WINDOW },
  });
  const run = '/api/v1/reports/status-counts/run?date_from=2026-01-01&date_to=2026-01-07';

  it('answers 429 with Retry-After once the limit is used up, cache hits included', async () => {
    await ctx.http.get(run).expect(200);
    const hit = await ctx.http.get(run).expect(200);
    expect(hit.body.meta.cache_hit).toBe(true);
    await ctx.http.get('/api/v1/reports').expect(200);
    expectRateLimited(
      await ctx.http.get(run),
      /^rate limit exceeded: at most 3 requests per 3600 s; retry in \d+ s$/,
    );
    expectRateLimited(await ctx.http.get('/api/v1/nope'), /^rate limit exceeded/);
  });

  it('keeps the probes, the metrics and the protected routes out of the public limit', async () => {
    await ctx.http.get('/api/v1/health/live').expect(200);
    await ctx.http.get('/api/v1/health/ready').expect(200);
    await ctx.http.get('/metrics').expect(200);
    await ctx.http
      .get('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .expect(200);
  });
});

describe('rate limits of protected routes (per presented key, else per IP)', () => {
  const ctx = useTestApp('migrated', { env: PROTECTED_LIMITS });

  it('counts each key on its own', async () => {
    const list = (headers: Record<string, string>) =>
      ctx.http.get('/api/v1/recomputations').set(headers);
    await list({ 'X-Management-Key': MANAGEMENT_KEY }).expect(200);
    await list({ Authorization: `Bearer ${MANAGEMENT_KEY}` }).expect(200);
    expectRateLimited(
      await list({ 'X-Management-Key': MANAGEMENT_KEY }),
      /^rate limit exceeded: at most 2 requests per 3600 s/,
    );
    // Another client (an unknown key) has its own count, and is refused by the guard.
    await list({ 'X-Management-Key': 'someone-else' }).expect(401);
    // The ingest route has its own limit.
    await ctx.http.post('/api/v1/events').set('X-Ingest-Key', INGEST_KEY).send({}).expect(400);
    expectRateLimited(
      await ctx.http.post('/api/v1/events').set('X-Ingest-Key', INGEST_KEY).send({}),
      /^rate limit exceeded: at most 1 request per 3600 s/,
    );
    // Public routes are not affected.
    await ctx.http.get('/api/v1/reports').expect(200);
  });
});

describe('rate limits of protected routes, with other keys presented beside a valid one', () => {
  const ctx = useTestApp('migrated', { env: PROTECTED_LIMITS });

  it('counts the valid key, whatever else comes with it', async () => {
    const list = (headers: Record<string, string>) =>
      ctx.http.get('/api/v1/recomputations').set(headers);
    await list({ 'X-Management-Key': MANAGEMENT_KEY, Authorization: 'Bearer junk-1' }).expect(200);
    await list({ 'X-Management-Key': MANAGEMENT_KEY, 'X-Ingest-Key': 'junk-2' }).expect(200);
    expectRateLimited(
      await list({ 'X-Management-Key': 'junk-3', Authorization: `Bearer ${MANAGEMENT_KEY}` }),
      /^rate limit exceeded: at most 2 requests per 3600 s/,
    );
    const ingest = (headers: Record<string, string>) =>
      ctx.http.post('/api/v1/events').set(headers).send({});
    await ingest({ 'X-Ingest-Key': INGEST_KEY, 'X-Management-Key': 'junk-4' }).expect(400);
    expectRateLimited(
      await ingest({ 'X-Ingest-Key': INGEST_KEY, 'X-Management-Key': 'junk-5' }),
      /^rate limit exceeded: at most 1 request per 3600 s/,
    );
  });
});

describe('failed authentications (per client IP)', () => {
  const ctx = useTestApp('migrated', {
    env: { RATE_LIMIT_AUTH_FAILURES: '2', RATE_LIMIT_WINDOW_SECONDS: WINDOW },
  });

  it('slows down guessing: after 2 failures the address gets 429 on protected routes', async () => {
    await ctx.http.get('/api/v1/audit-entries').set('X-Management-Key', 'guess-1').expect(401);
    await ctx.http.get('/api/v1/audit-entries').expect(401);
    expectRateLimited(
      await ctx.http.get('/api/v1/audit-entries').set('X-Management-Key', 'guess-3'),
      /^too many failed authentications from this address \(2 per 3600 s\)/,
    );
    // Until the window ends, even the right key is refused from that address...
    expectRateLimited(
      await ctx.http.get('/api/v1/audit-entries').set('X-Management-Key', MANAGEMENT_KEY),
      /^too many failed authentications/,
    );
    // ...while public routes stay open.
    await ctx.http.get('/api/v1/reports').expect(200);
  });
});

describe('failed /metrics tokens', () => {
  const ctx = useTestApp('migrated', {
    env: {
      RATE_LIMIT_AUTH_FAILURES: '2',
      RATE_LIMIT_WINDOW_SECONDS: WINDOW,
      METRICS_TOKEN: 'scrape-token',
    },
  });

  it('do not count as failed authentications of the API (a stale scraper locks nobody out)', async () => {
    for (let i = 0; i < 4; i += 1) {
      await ctx.http.get('/metrics').set('Authorization', `Bearer stale-${i}`).expect(401);
    }
    await ctx.http.get('/api/v1/audit-entries').set('X-Management-Key', MANAGEMENT_KEY).expect(200);
    await ctx.http.get('/metrics').set('Authorization', 'Bearer scrape-token').expect(200);
  });
});

describe('rate limits set to 0', () => {
  const ctx = useTestApp('migrated', {
    env: {
      RATE_LIMIT_PUBLIC: '0',
      RATE_LIMIT_MANAGEMENT: '0',
      RATE_LIMIT_AUTH_FAILURES: '0',
      RATE_LIMIT_WINDOW_SECONDS: WINDOW,
    },
  });

  it('are off', async () => {
    for (let i = 0; i < 30; i += 1) {
      await ctx.http.get('/api/v1/reports').expect(200);
      await ctx.http.get('/api/v1/recomputations').set('X-Management-Key', 'wrong').expect(401);
    }
  });
});
