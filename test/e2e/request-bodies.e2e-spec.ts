import { MAX_JSON_DEPTH } from '../../src/common/request-body.js';
import { MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { continueRequest, rawRequest } from '../support/raw-http.js';
import { AUTH, RUNS_URL as RUNS, runBody } from '../support/recompute.js';

const JSON_TYPE = 'application/json';

const valid = runBody();

/** The error envelope of a body refused as a whole (no field to name). */
const refused = (message: string) => ({
  error: { code: 'invalid_request', message, details: [], request_id: expect.any(String) },
});

const NOT_JSON = 'request body must be JSON, sent with Content-Type: application/json';
const INVALID_JSON = 'request body must be valid JSON';
const TOO_DEEP = `request body must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
/** The envelope of a body refused for a prototype key at `path`, which it names. */
const prototypeKey = (path: string) => {
  const message = `${path} is not allowed: a body must not contain a __proto__ key or a constructor.prototype key`;
  return {
    error: {
      code: 'invalid_request',
      message,
      details: [{ parameter: path, message }],
      request_id: expect.any(String),
    },
  };
};

/** `[[[…]]]` with `levels` arrays around `inner`. */
const arrays = (levels: number, inner = '') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
/** `{"a":{"a":…}}` with `levels` objects around `inner`. */
const objects = (levels: number, inner = '1') =>
  `${'{"a":'.repeat(levels)}${inner}${'}'.repeat(levels)}`;

describe('request bodies: JSON only, refused as a whole with a message saying what is wrong', () => {
  const ctx = useTestApp('migrated');

  /** Posts `body` byte for byte with `contentType`. */
  const post = (body: string | Buffer, contentType: string) =>
    ctx.http
      .post(RUNS)
      .set(AUTH)
      .set('Content-Type', contentType)
      .serialize((raw: unknown) => raw as string)
      .send(body);

  const runCount = async () =>
    (await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs')).rows[0].n as number;

  let runsBefore: number;
  beforeAll(async () => {
    runsBefore = await runCount();
  });

  it.each([
    ['a form (curl -d without a type)', 'application/x-www-form-urlencoded'],
    ['plain text', 'text/plain'],
    ['XML', 'application/xml'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a JSON-like vendor type', 'application/vnd.api+json'],
    ['a made-up type', 'nonsense'],
  ])('answers 415 to a JSON document sent as %s', async (_name, type) => {
    const res = await post(JSON.stringify(valid), type).expect(415);
    expect(res.body).toEqual(refused(NOT_JSON));
  });

  it('answers 415 to a body without a Content-Type', async () => {
    // A Buffer is sent as it is, and the HTTP client adds no Content-Type for it.
    const res = await ctx.http
      .post(RUNS)
      .set(AUTH)
      .send(Buffer.from(JSON.stringify(valid)))
      .expect(415);
    expect(res.request.getHeader('Content-Type')).toBeUndefined();
    expect(res.body).toEqual(refused(NOT_JSON));
  });

  it.each(['latin1', 'utf-16', 'iso-8859-1', 'ascii'])(
    'answers 415 to JSON in charset %s',
    async (charset) => {
      const res = await post('{}', `application/json; charset=${charset}`).expect(415);
      expect(res.body).toEqual(
        refused(
          'request body must be JSON in UTF-8: the Content-Type charset must be utf-8 or absent',
        ),
      );
    },
  );

  it.each(['gzip', 'deflate', 'br'])(
    'answers 415 to a body in Content-Encoding %s',
    async (encoding) => {
      const res = await ctx.http
        .post(RUNS)
        .set(AUTH)
        .set('Content-Type', JSON_TYPE)
        .set('Content-Encoding', encoding)
        .serialize((raw: unknown) => raw as string)
        .send(JSON.stringify(valid))
        .expect(415);
      expect(res.body).toEqual(
        refused('request body must not be compressed: Content-Encoding is not supported'),
      );
    },
  );

  it('answers 415 to a body in a Transfer-Encoding other than chunked', async () => {
    const body = JSON.stringify(valid);
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const head =
      `POST ${RUNS} HTTP/1.1\r\nX-Management-Key: ${MANAGEMENT_KEY}\r\n` +
      `Content-Type: ${JSON_TYPE}\r\nTransfer-Encoding: gzip, chunked`;
    const res = await rawRequest(ctx.app.app.getHttpServer(), Buffer.from(head), chunked, {
      contentLength: false,
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body)).toEqual(
      refused(
        'request body must not be compressed: Transfer-Encoding other than chunked is not supported',
      ),
    );
  });

  it.each([
    JSON_TYPE,
    'application/json; charset=utf-8',
    'Application/JSON; Charset="UTF-8"',
    'application/json;charset=utf8',
  ])('reads JSON sent as %s (a field error shows the body was read)', async (type) => {
    const res = await post(JSON.stringify({ ...valid, window: 'month' }), type).expect(400);
    expect(res.body.error.message).toBe('window must be one of day, week');
  });

  it('treats an empty JSON body as no body: every required field is named', async () => {
    const message =
      'report_slug is required; window is required; date_from is required; date_to is required';
    for (const request of [
      post('', JSON_TYPE),
      post('{}', JSON_TYPE),
      ctx.http.post(RUNS).set(AUTH),
    ]) {
      const res = await request.expect(400);
      expect(res.body.error).toEqual({
        code: 'invalid_request',
        message,
        details: ['report_slug', 'window', 'date_from', 'date_to'].map((parameter) => ({
          parameter,
          message: `${parameter} is required`,
        })),
        request_id: expect.any(String),
      });
    }
  });

  it.each([
    '{"report_slug": "status-counts",',
    '{report_slug: "status-counts"}',
    "{'report_slug': 'status-counts'}",
    '{"a": 1,}',
    '{"a": 01}',
    '{"a": NaN}',
    '{"a": "tab\there"}',
    '{} {}',
    'report_slug=status-counts',
    '\u0000',
  ])('answers 400 to malformed JSON %j', async (raw) => {
    const res = await post(raw, JSON_TYPE).expect(400);
    expect(res.body).toEqual(refused(INVALID_JSON));
  });

  it('answers 400 to a body that is not UTF-8', async () => {
    for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([
        Buffer.from('{"report_slug": "'),
        Buffer.from(bytes),
        Buffer.from('"}'),
      ]);
      const res = await post(body, JSON_TYPE).expect(400);
      expect(res.body).toEqual(refused('request body must be valid UTF-8'));
    }
  });

  it.each([
    ['an array', '[]'],
    ['an array of the fields', `[${JSON.stringify(valid)}]`],
    ['a string', '"status-counts"'],
    ['a number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ])('answers 400 to %s instead of an object', async (_name, raw) => {
    const res = await post(raw, JSON_TYPE).expect(400);
    expect(res.body).toEqual(refused('request body must be a JSON object'));
  });

  describe(`nesting deeper than MAX_JSON_DEPTH (${MAX_JSON_DEPTH})`, () => {
    it.each([
      ['arrays at the top level', arrays(5000)],
      ['objects at the top level', objects(5000)],
      ['arrays inside a field', `{"report_slug": ${arrays(5000)}}`],
      ['objects inside a field', `{"report_slug": ${objects(5000)}}`],
      ['mixed, inside an unknown field', `{"x": [${objects(3000, arrays(3000))}]}`],
      ['one level too deep', arrays(MAX_JSON_DEPTH + 1)],
      ['one level too deep inside a field', `{"report_slug": ${arrays(MAX_JSON_DEPTH)}}`],
      ['unbalanced and deep', arrays(10_000).slice(0, 10_000)],
    ])('answers 400 to %s, before anything recurses over it', async (_name, raw) => {
      const res = await post(raw, JSON_TYPE).expect(400);
      expect(res.body).toEqual(refused(TOO_DEEP));
    });

    it('leaves an event payload 60 levels of its own, and refuses one deeper', async () => {
      const payload = (levels: number) => JSON.parse(objects(levels - 1, '{}'));
      const batch = (levels: number) =>
        ctx.http
          .post('/api/v1/events')
          .set(INGEST_AUTH)
          .send({ events: [newEvent(levels, { payload: payload(levels) })] });
      // body, events, the event, then the payload: 3 levels before the payload's own.
      const accepted = await batch(MAX_JSON_DEPTH - 3).expect(200);
      expect(accepted.body.data).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
      const refusedBatch = await batch(MAX_JSON_DEPTH - 2).expect(400);
      expect(refusedBatch.body).toEqual(refused(TOO_DEEP));
    });

    it('reads a body exactly MAX_JSON_DEPTH levels deep, and brackets inside strings', async () => {
      const deep = await post(`{"report_slug": ${arrays(MAX_JSON_DEPTH - 1)}}`, JSON_TYPE);
      expect(deep.status).toBe(400);
      expect(deep.body.error.message).toContain('report_slug must be a string');
      const quoted = JSON.stringify({ ...valid, requested_by: `${'['.repeat(5000)}\\"{` });
      const inString = await post(quoted, JSON_TYPE).expect(400);
      expect(inString.body.error.message).toBe('requested_by must be 1–200 characters long');
    });
  });

  it.each([
    [
      '__proto__ at the top level',
      `{"__proto__": {"admin": true}, "report_slug": "x"}`,
      '__proto__',
    ],
    ['__proto__ escaped', `{"\\u005f_proto__": {}}`, '__proto__'],
    [
      '__proto__ in a nested object',
      `{"report_slug": {"a": [{"__proto__": {}}]}}`,
      'report_slug.a[0].__proto__',
    ],
    [
      'constructor.prototype',
      `{"constructor": {"prototype": {"admin": true}}}`,
      'constructor.prototype',
    ],
    [
      'constructor.prototype nested',
      `{"a": [{"constructor": {"prototype": {}}}]}`,
      'a[0].constructor.prototype',
    ],
  ])('answers 400 to %s, naming where it is', async (_name, raw, path) => {
    const res = await post(raw, JSON_TYPE).expect(400);
    expect(res.body).toEqual(prototypeKey(path));
  });

  it('answers 413 to a body over the limit, naming the limit', async () => {
    const limit: number = ctx.app.app.getHttpAdapter().getInstance().initialConfig.bodyLimit!;
    const big = JSON.stringify({ ...valid, requested_by: 'x'.repeat(limit) });
    const res = await post(big, JSON_TYPE).expect(413);
    expect(res.body).toEqual(
      refused(`request body is too large: at most ${limit} bytes are accepted`),
    );
  });

  describe('a body on a GET request', () => {
    it.each([
      ['/api/v1/recomputations', AUTH],
      ['/api/v1/audit-entries', AUTH],
      ['/api/v1/reports', {}],
      ['/api/v1/reports/status-counts', {}],
      ['/api/v1/health', {}],
    ])('is refused on %s', async (path, headers) => {
      for (const [type, body] of [
        [JSON_TYPE, '{"status": "failed"}'],
        [JSON_TYPE, '{"broken":'],
        ['text/plain', 'hello'],
      ]) {
        const res = await ctx.http.get(path).set(headers).set('Content-Type', type).send(body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          refused('a GET request takes no body: send its parameters in the query string'),
        );
      }
    });

    it('is refused on a report run, also when its result is cached', async () => {
      const url = '/api/v1/reports/status-counts/run?window=week';
      await ctx.http.get(url).expect(200);
      const cached = await ctx.http.get(url).expect(200);
      expect(cached.body.data.cache_hit).toBe(true);
      const res = await ctx.http.get(url).set('Content-Type', JSON_TYPE).send('{"window":"day"}');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'a GET request takes no body: send its parameters in the query string',
      );
    });

    it('is not assumed from an empty Content-Length', async () => {
      await ctx.http.get('/api/v1/reports').set('Content-Length', '0').expect(200);
    });
  });

  describe('Expect: 100-continue', () => {
    const head = (line: string, key = true) =>
      `${line} HTTP/1.1\r\nContent-Type: ${JSON_TYPE}` +
      (key ? `\r\nX-Management-Key: ${MANAGEMENT_KEY}` : '');
    const server = () => ctx.app.app.getHttpServer();

    it('invites the body once the body is read', async () => {
      const answer = await continueRequest(server(), head(`POST ${RUNS}`), '{"broken":');
      expect(answer).toEqual({ continued: true, status: 400 });
    });

    it.each([
      ['a body over the limit', `POST ${RUNS}`, true, 413, 10 * 1024 * 1024],
      ['a missing key', `POST ${RUNS}`, false, 401, undefined],
      ['an unknown path', 'POST /api/v1/nowhere', true, 404, undefined],
      ['a method the path does not take', `PUT ${RUNS}`, true, 405, undefined],
    ])('refuses %s without inviting the body', async (_name, line, key, status, length) => {
      const answer = await continueRequest(server(), head(line, key), '{}', length);
      expect(answer).toEqual({ continued: false, status });
    });
  });

  it('created no run from any of the bodies above', async () => {
    expect(await runCount()).toBe(runsBefore);
  });
});
