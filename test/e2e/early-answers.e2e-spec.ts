import { jest } from '@jest/globals';
import type { Response } from 'supertest';
import { ReportsService } from '../../src/reports/reports.service.js';
import { useTestApp, type TestContext } from '../support/context.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';

const RUN = '/api/v1/reports/status-counts/run';
const QUERY = ['window=day', 'date_from=2026-01-01', 'date_to=2026-01-31'];
/** The same run twice: the parameters in another order are another URL, but the same page. */
const FIRST_URL = `${RUN}?${QUERY.join('&')}`;
const SECOND_URL = `${RUN}?${[...QUERY].reverse().join('&')}`;

/** How often a test asks for an early answer before it fails (see `earlyAnswer`). */
const ATTEMPTS = 5;

/** Every line the app logs, parsed. */
function captureLogs() {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    accessLine: (requestId: string) =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.msg === 'request' && entry.request_id === requestId),
  };
}

/**
 * What is the same in two responses to one run: the headers and the body, apart from the
 * request id, the date and the timing (`execution_ms`, whose digits also change the length).
 */
function comparable(res: Response) {
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  const headers = { ...res.headers };
  delete headers.date;
  delete headers['x-request-id'];
  delete headers['content-length'];
  const body = JSON.parse(res.text) as { data: Record<string, unknown> };
  return {
    status: res.status,
    headers,
    body: { ...body, data: { ...body.data, execution_ms: 0 } },
  };
}

/**
 * Sends `send(attempt)` until the response is an early answer (`knownRunBody` gave the body),
 * at most ATTEMPTS times. A request may go through Fastify for reasons that are not the test's:
 * its URL not parsed yet, a cache entry expired, or the report definitions due for their reload
 * every 2 s (which only the Fastify path does); the next attempt is then answered early.
 */
async function earlyAnswer<T>(ctx: TestContext, send: (attempt: number) => Promise<T>) {
  const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
  try {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      known.mockClear();
      const res = await send(attempt);
      if (known.mock.results.some((result) => result.value instanceof Buffer)) {
        return { res, attempt };
      }
    }
    throw new Error(`no early answer in ${ATTEMPTS} attempts`);
  } finally {
    known.mockRestore();
  }
}

/**
 * The same cached page answered once by the Fastify hook (the first request of `second`, a URL
 * never parsed) and once ahead of Fastify.
 */
async function hookAndEarlyHits(ctx: TestContext, first: string, second: string) {
  await ctx.http.get(first).expect(200); // fills the cache
  const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
  let byHook: Response;
  try {
    byHook = await ctx.http.get(second).expect(200);
    expect(known.mock.results.map((result) => result.value)).toEqual([undefined]);
  } finally {
    known.mockRestore();
  }
  expect(byHook.body.meta.cache_hit).toBe(true);
  const { res: early } = await earlyAnswer(ctx, () => ctx.http.get(second).expect(200));
  return { byHook, early };
}

/** Sends `head` over its own connection as it is: no Content-Length, so a plain GET. */
function plain(ctx: TestContext, head: string, options: { host?: boolean } = {}) {
  return rawRequest(ctx.app.app.getHttpServer(), Buffer.from(head), '', {
    contentLength: false,
    ...options,
  });
}

describe('cache hits answered ahead of Fastify', () => {
  const logs = captureLogs();
  const ctx = useTestApp('migrated', {
    env: { LOG_LEVEL: 'log' },
    logDestination: logs.destination,
  });

  it('answer as the Fastify hook does: status, headers and body', async () => {
    const { byHook, early } = await hookAndEarlyHits(ctx, FIRST_URL, SECOND_URL);
    expect(comparable(early)).toEqual(comparable(byHook));
    expect(early.body.data.cache_hit).toBe(true);
    expect(typeof early.body.data.execution_ms).toBe('number');
  });

  it('echo the request id and write the access line of the request', async () => {
    const { res, attempt } = await earlyAnswer(ctx, (attempt) =>
      ctx.http.get(SECOND_URL).set('X-Request-Id', `line-${attempt}`).expect(200),
    );
    expect(res.headers['x-request-id']).toBe(`line-${attempt}`);
    expect(res.body.meta.cache_hit).toBe(true);
    expect(logs.accessLine(`line-${attempt}`)).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      request_id: `line-${attempt}`,
      method: 'GET',
      route: '/api/v1/reports/:slug/run',
      url: SECOND_URL,
      status: 200,
      duration_ms: expect.any(Number),
      remote_address: expect.stringMatching(/127\.0\.0\.1/),
      msg: 'request',
    });
  });

  it.each(['1.1', '1.0'])('answer a plain GET of HTTP/%s, sent as it is', async (version) => {
    const { res, attempt } = await earlyAnswer<RawResponse>(ctx, (attempt) =>
      plain(ctx, `GET ${SECOND_URL} HTTP/${version}\r\nX-Request-Id: v${version}-${attempt}`),
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(`v${version}-${attempt}`);
    expect(JSON.parse(res.body).meta.cache_hit).toBe(true);
  });

  it('leave to Fastify what needs more than a plain GET, which answers it in full', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    try {
      const head = await ctx.http.head(SECOND_URL).expect(200);
      expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
      const server = ctx.app.app.getHttpServer();
      const withBody = await rawRequest(server, Buffer.from(`GET ${SECOND_URL} HTTP/1.1`));
      expect(withBody.status).toBe(200);
      const repeated = await plain(
        ctx,
        `GET ${SECOND_URL} HTTP/1.1\r\nX-Request-Id: a\r\nX-Request-Id: b`,
      );
      expect(repeated.status).toBe(400);
      expect(JSON.parse(repeated.body).error.details).toEqual([
        { parameter: 'X-Request-Id', message: expect.stringContaining('once') },
      ]);
      const noHost = await plain(ctx, `GET ${SECOND_URL} HTTP/1.1`, { host: false });
      expect(noHost.status).toBe(400);
      expect(JSON.parse(noHost.body).error.details).toEqual([
        { parameter: 'Host', message: expect.any(String) },
      ]);
      // An absolute-form target is a plain GET of the same page, but not answered early.
      const absolute = await plain(ctx, `GET http://127.0.0.1${SECOND_URL} HTTP/1.1`);
      expect(absolute.status).toBe(200);
      expect(JSON.parse(absolute.body).data.report_slug).toBe('status-counts');
      expect(known).not.toHaveBeenCalled();
    } finally {
      known.mockRestore();
    }
  });

  it('let Fastify answer when the early answer fails, and log the failure', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    known.mockImplementation(() => {
      throw new Error('responder bug');
    });
    try {
      const res = await ctx.http.get(SECOND_URL).expect(200);
      expect(res.body.data.report_slug).toBe('status-counts');
      expect(known).toHaveBeenCalledTimes(1);
      expect(logs.entries()).toContainEqual(
        expect.objectContaining({
          level: 50,
          msg: 'early answer failed',
          url: SECOND_URL,
          err: expect.objectContaining({ message: 'responder bug' }),
        }),
      );
    } finally {
      known.mockRestore();
    }
  });
});

describe('cache hits answered ahead of Fastify, at shutdown', () => {
  const ctx = useTestApp('migrated');

  it('are left to Fastify once shutdown has begun', async () => {
    await earlyAnswer(ctx, () => ctx.http.get(FIRST_URL).expect(200));
    ctx.app.app.getHttpAdapter().beforeClose?.();
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    try {
      const res = await ctx.http.get(FIRST_URL).expect(200);
      expect(res.body.data.report_slug).toBe('status-counts');
      expect(known).not.toHaveBeenCalled();
    } finally {
      known.mockRestore();
    }
  });
});

describe.each(['https://app.example', '*'])(
  'cache hits ahead of Fastify, CORS_ORIGINS=%s',
  (origins) => {
    const ctx = useTestApp('migrated', { env: { CORS_ORIGINS: origins } });

    it('carry the headers the Fastify hook sends (Vary: Origin, the exposed headers)', async () => {
      const { byHook, early } = await hookAndEarlyHits(ctx, FIRST_URL, SECOND_URL);
      expect(comparable(early)).toEqual(comparable(byHook));
      expect(early.headers.vary).toBe('Origin');
      expect(early.headers['access-control-expose-headers']).toBe('x-request-id, retry-after');
    });

    it('go through Fastify when the request has an Origin, which gets its CORS headers', async () => {
      const res = await ctx.http.get(SECOND_URL).set('Origin', 'https://app.example').expect(200);
      expect(res.body.data.report_slug).toBe('status-counts');
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    });
  },
);

describe('cache hits answered ahead of Fastify, behind a trusted proxy', () => {
  const LIMIT = 6;
  const logs = captureLogs();
  const ctx = useTestApp('migrated', {
    env: {
      TRUST_PROXY: 'true',
      RATE_LIMIT_PUBLIC: String(LIMIT),
      RATE_LIMIT_WINDOW_SECONDS: '3600',
      LOG_LEVEL: 'log',
    },
    logDestination: logs.destination,
  });

  it('count the forwarded client, in one bucket with the requests Fastify answers', async () => {
    const from = (address: string, id: string) =>
      ctx.http.get(FIRST_URL).set('X-Forwarded-For', address).set('X-Request-Id', id);
    expect((await from('203.0.113.7', 'proxy-0').expect(200)).body.meta.cache_hit).toBe(false);
    const { attempt } = await earlyAnswer(ctx, (attempt) =>
      from('203.0.113.7', `proxy-${attempt}`).expect(200),
    );
    expect(logs.accessLine(`proxy-${attempt}`)).toMatchObject({ remote_address: '203.0.113.7' });
    // What is left of the client's limit goes to requests Fastify answers, then it is refused.
    for (let used = 1 + attempt; used < LIMIT; used += 1) {
      await ctx.http.get('/api/v1/reports').set('X-Forwarded-For', '203.0.113.7').expect(200);
    }
    for (const refused of [
      await from('203.0.113.7', 'refused-run'),
      await ctx.http.get('/api/v1/reports').set('X-Forwarded-For', '203.0.113.7'),
    ]) {
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    }
    // Another client has its own count, and its hits are answered early.
    const other = await earlyAnswer(ctx, (attempt) =>
      from('198.51.100.2', `other-${attempt}`).expect(200),
    );
    expect(logs.accessLine(`other-${other.attempt}`)).toMatchObject({
      remote_address: '198.51.100.2',
    });
  });
});
