import { jest } from '@jest/globals';
import type { Response } from 'supertest';
import { ReportsService } from '../../src/reports/reports.service.js';
import { useTestApp, type TestContext } from '../support/context.js';
import { rawRequest } from '../support/raw-http.js';

const RUN = '/api/v1/reports/status-counts/run';
const QUERY = ['window=day', 'date_from=2026-01-01', 'date_to=2026-01-31'];
/** The same run twice: the parameters in another order are another URL, but the same page. */
const FIRST_URL = `${RUN}?${QUERY.join('&')}`;
const SECOND_URL = `${RUN}?${[...QUERY].reverse().join('&')}`;

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
 * Requests the run so that the same cached page is answered once by the Fastify hook (the
 * second URL's first request: its URL was never parsed) and once ahead of Fastify (its second);
 * `knownRunBody` is watched to tell which answered.
 */
async function hookAndEarlyHits(ctx: TestContext) {
  const reports = ctx.app.app.get(ReportsService);
  const known = jest.spyOn(reports, 'knownRunBody');
  try {
    const miss = await ctx.http.get(FIRST_URL).expect(200);
    expect(miss.body.meta.cache_hit).toBe(false);
    known.mockClear();
    const byHook = await ctx.http.get(SECOND_URL).expect(200);
    expect(known.mock.results.map((result) => result.value)).toEqual([undefined]);
    known.mockClear();
    const early = await ctx.http.get(SECOND_URL).set('X-Request-Id', 'early-1').expect(200);
    expect(known.mock.results).toHaveLength(1);
    expect(known.mock.results[0].value).toBeInstanceOf(Buffer);
    expect(byHook.body.meta.cache_hit).toBe(true);
    return { byHook, early };
  } finally {
    known.mockRestore();
  }
}

describe('cache hits answered ahead of Fastify', () => {
  const logs = captureLogs();
  const ctx = useTestApp('migrated', {
    env: { LOG_LEVEL: 'log' },
    logDestination: logs.destination,
  });

  it('answer as the Fastify hook does: status, headers and body', async () => {
    const { byHook, early } = await hookAndEarlyHits(ctx);
    expect(comparable(early)).toEqual(comparable(byHook));
    expect(early.headers['x-request-id']).toBe('early-1');
    expect(early.body.data.cache_hit).toBe(true);
    expect(typeof early.body.data.execution_ms).toBe('number');
  });

  it('write the access line of the request', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    const res = await ctx.http.get(SECOND_URL).set('X-Request-Id', 'early-2').expect(200);
    expect(known.mock.results[0].value).toBeInstanceOf(Buffer);
    known.mockRestore();
    expect(res.body.meta.cache_hit).toBe(true);
    expect(logs.accessLine('early-2')).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      request_id: 'early-2',
      method: 'GET',
      route: '/api/v1/reports/:slug/run',
      url: SECOND_URL,
      status: 200,
      duration_ms: expect.any(Number),
      remote_address: expect.stringMatching(/127\.0\.0\.1/),
      msg: 'request',
    });
  });

  /** Sends `head` as it is (no Content-Length: a plain GET), over its own connection. */
  const plain = (head: string, options: { host?: boolean } = {}) =>
    rawRequest(ctx.app.app.getHttpServer(), Buffer.from(head), '', {
      contentLength: false,
      ...options,
    });

  it('answer a plain GET of HTTP/1.0 or 1.1, sent as it is', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    try {
      for (const version of ['1.1', '1.0']) {
        const res = await plain(`GET ${SECOND_URL} HTTP/${version}\r\nX-Request-Id: v${version}`);
        expect(res.status).toBe(200);
        expect(res.headers['x-request-id']).toBe(`v${version}`);
        expect(JSON.parse(res.body).meta.cache_hit).toBe(true);
      }
      expect(known.mock.results.map((result) => result.value instanceof Buffer)).toEqual([
        true,
        true,
      ]);
    } finally {
      known.mockRestore();
    }
  });

  it('leave to Fastify what needs more than a plain GET, which answers it in full', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    try {
      const head = await ctx.http.head(SECOND_URL).expect(200);
      expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
      const withBody = await rawRequest(
        ctx.app.app.getHttpServer(),
        Buffer.from(`GET ${SECOND_URL} HTTP/1.1`),
      );
      expect(JSON.parse(withBody.body).meta.cache_hit).toBe(true);
      const repeated = await plain(
        `GET ${SECOND_URL} HTTP/1.1\r\nX-Request-Id: a\r\nX-Request-Id: b`,
      );
      expect(repeated.status).toBe(400);
      expect(JSON.parse(repeated.body).error.details).toEqual([
        { parameter: 'X-Request-Id', message: expect.stringContaining('once') },
      ]);
      const noHost = await plain(`GET ${SECOND_URL} HTTP/1.1`, { host: false });
      expect(noHost.status).toBe(400);
      expect(JSON.parse(noHost.body).error.details).toEqual([
        { parameter: 'Host', message: expect.any(String) },
      ]);
      // An absolute-form target is a plain GET of the same page, but not answered early.
      const absolute = await plain(`GET http://127.0.0.1${SECOND_URL} HTTP/1.1`);
      expect(absolute.status).toBe(200);
      expect(JSON.parse(absolute.body).meta.cache_hit).toBe(true);
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
      expect(res.body.meta.cache_hit).toBe(true);
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

  it('leave every request to Fastify once shutdown has begun', async () => {
    const known = jest.spyOn(ctx.app.app.get(ReportsService), 'knownRunBody');
    try {
      ctx.app.app.getHttpAdapter().beforeClose?.();
      const res = await ctx.http.get(SECOND_URL).expect(200);
      expect(res.body.meta.cache_hit).toBe(true);
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
      const { byHook, early } = await hookAndEarlyHits(ctx);
      expect(comparable(early)).toEqual(comparable(byHook));
      expect(early.headers.vary).toBe('Origin');
      expect(early.headers['access-control-expose-headers']).toBe('x-request-id, retry-after');
    });

    it('go through Fastify when the request has an Origin, which gets its CORS headers', async () => {
      const res = await ctx.http.get(SECOND_URL).set('Origin', 'https://app.example').expect(200);
      expect(res.body.meta.cache_hit).toBe(true);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    });
  },
);

describe('cache hits answered ahead of Fastify, behind a trusted proxy', () => {
  const logs = captureLogs();
  const ctx = useTestApp('migrated', {
    env: {
      TRUST_PROXY: 'true',
      RATE_LIMIT_PUBLIC: '3',
      RATE_LIMIT_WINDOW_SECONDS: '3600',
      LOG_LEVEL: 'log',
    },
    logDestination: logs.destination,
  });

  it('count the forwarded client, in one bucket with the requests Fastify answers', async () => {
    const from = (address: string, id: string) =>
      ctx.http.get(FIRST_URL).set('X-Forwarded-For', address).set('X-Request-Id', id);
    expect((await from('203.0.113.7', 'proxy-1').expect(200)).body.meta.cache_hit).toBe(false);
    expect((await from('203.0.113.7', 'proxy-2').expect(200)).body.meta.cache_hit).toBe(true);
    expect(logs.accessLine('proxy-2')).toMatchObject({ remote_address: '203.0.113.7' });
    await ctx.http.get('/api/v1/reports').set('X-Forwarded-For', '203.0.113.7').expect(200);
    const refused = await from('203.0.113.7', 'proxy-3');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // Another client has its own count, and its hits are answered.
    expect((await from('198.51.100.2', 'proxy-4').expect(200)).body.meta.cache_hit).toBe(true);
    expect(logs.accessLine('proxy-4')).toMatchObject({ remote_address: '198.51.100.2' });
  });
});
