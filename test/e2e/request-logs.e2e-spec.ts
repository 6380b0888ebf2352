import { INGEST_KEY, MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import { parseMetrics, value } from '../support/metrics.js';
import { rawExchange, rawRequest } from '../support/raw-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const METRICS_TOKEN = 'metrics-token-never-logged';

/** Every line the app logs, parsed (the app logs JSON lines). */
function captureLogs() {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    accessLine: (requestId: string) =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.msg === 'request' && entry.request_id === requestId),
  };
}

describe('request ids and access lines', () => {
  const logs = captureLogs();
  const ctx = useTestApp('migrated', {
    env: { LOG_LEVEL: 'debug', METRICS_TOKEN },
    logDestination: logs.destination,
  });

  it('follows a caller-chosen request id from the request to the log line and the error body', async () => {
    const res = await ctx.http
      .get('/api/v1/reports/no-such-report')
      .set('X-Request-Id', 'trace-4711.a:b_c')
      .expect(404);
    expect(res.headers['x-request-id']).toBe('trace-4711.a:b_c');
    expect(res.body.error).toMatchObject({ code: 'not_found', request_id: 'trace-4711.a:b_c' });
    expect(logs.accessLine('trace-4711.a:b_c')).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      request_id: 'trace-4711.a:b_c',
      method: 'GET',
      route: '/api/v1/reports/:slug',
      url: '/api/v1/reports/no-such-report',
      status: 404,
      duration_ms: expect.any(Number),
      remote_address: expect.any(String),
      msg: 'request',
    });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with a space', 'two words'],
    ['with other characters', 'id;drop'],
  ])('generates the id when the given one is %s', async (_name, given) => {
    const res = await ctx.http.get('/api/v1/reports').set('X-Request-Id', given).expect(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(logs.accessLine(id)).toMatchObject({ route: '/api/v1/reports', status: 200 });
  });

  it('writes one access line for a cache hit answered ahead of Nest', async () => {
    const url = '/api/v1/reports/status-counts/run?date_from=2026-01-01&date_to=2026-01-31';
    await ctx.http.get(url).expect(200);
    const hit = await ctx.http.get(url).set('X-Request-Id', 'cache-hit-1').expect(200);
    expect(hit.body.meta.cache_hit).toBe(true);
    expect(hit.headers['x-request-id']).toBe('cache-hit-1');
    expect(logs.entries().filter((entry) => entry.request_id === 'cache-hit-1')).toEqual([
      expect.objectContaining({ route: '/api/v1/reports/:slug/run', url, status: 200 }),
    ]);
  });

  it.each([
    ['an unknown route', (http: typeof ctx.http) => http.get('/nowhere'), 404],
    [
      'a body that is not JSON',
      (http: typeof ctx.http) =>
        http
          .post('/api/v1/recomputations')
          .set('X-Management-Key', MANAGEMENT_KEY)
          .set('Content-Type', 'application/json')
          .send('{"report_slug":'),
      400,
    ],
    [
      'a URL the router refuses',
      (http: typeof ctx.http) => http.get('/api/v1/reports/%E0%A4%A'),
      400,
    ],
    [
      'a body over the limit',
      (http: typeof ctx.http) =>
        http
          .post('/api/v1/recomputations')
          .set('X-Management-Key', MANAGEMENT_KEY)
          .send({ requested_by: 'x'.repeat(1024 * 1024) }),
      413,
    ],
  ])('puts the request id in the error envelope of %s', async (name, send, status) => {
    const id = `outside-nest-${name.replaceAll(' ', '-')}`;
    const res = await send(ctx.http).set('X-Request-Id', id).expect(status);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body.error.request_id).toBe(id);
    expect(logs.accessLine(id)).toMatchObject({ status });
  });

  it('names the limit when a body is too large', async () => {
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .send({ requested_by: 'x'.repeat(1024 * 1024) })
      .expect(413);
    expect(res.body.error).toMatchObject({
      code: 'invalid_request',
      message: 'request body is too large: at most 1048576 bytes are accepted',
    });
  });

  it('writes an access line and a metric sample for requests the HTTP server refuses itself', async () => {
    const server = ctx.app.app.getHttpServer();
    const garbled = await rawRequest(server, Buffer.from('GARBAGE / HTTP/1.1'));
    const expect417 = await rawRequest(
      server,
      Buffer.from('GET /api/v1/reports HTTP/1.1\r\nExpect: x\r\nX-Request-Id: refused-417'),
    );
    const large = await ctx.http.get('/api/v1/reports').set('X-Padding', 'x'.repeat(20 * 1024));
    const refused = [
      [garbled.status, JSON.parse(garbled.body).error.request_id],
      [expect417.status, JSON.parse(expect417.body).error.request_id],
      [large.status, large.body.error.request_id],
    ];
    expect(refused.map(([status]) => status)).toEqual([400, 417, 431]);
    expect(refused[1][1]).toBe('refused-417');
    for (const [status, requestId] of refused) {
      expect(logs.accessLine(requestId)).toMatchObject({ request_id: requestId, status });
    }
    const scrape = await ctx.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    const samples = parseMetrics(scrape.text);
    for (const status of ['400', '417', '431']) {
      const method = status === '417' ? 'GET' : 'unknown';
      const labels = { method, route: 'unmatched', status_code: status };
      expect(value(samples, 'tally_http_request_duration_seconds_count', labels)).toBeGreaterThan(
        0,
      );
    }
  });

  it('names the method and URL of a request refused for its body (a broken chunk)', async () => {
    const head =
      'POST /api/v1/sources HTTP/1.1\r\nHost: x\r\nX-Request-Id: broken-chunk\r\n' +
      `X-Management-Key: ${MANAGEMENT_KEY}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const text = await rawExchange(ctx.app.app.getHttpServer(), `${head}5\r\n{"a":\r\nZZ\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('"request_id":"broken-chunk"');
    const lines = logs
      .entries()
      .filter((entry) => entry.msg === 'request' && entry.request_id === 'broken-chunk');
    expect(lines).toEqual([
      expect.objectContaining({ method: 'POST', url: '/api/v1/sources', status: 400 }),
    ]);
  });

  it('writes one access line for requests the router refuses (a path segment too long, not UTF-8)', async () => {
    const long = `/api/v1/reports/${'a'.repeat(150)}/run`;
    const cases = [
      [long, 404, 'router-long'],
      ['/api/v1/reports/%FF', 400, 'router-not-utf8'],
    ] as const;
    for (const [path, status, id] of cases) {
      const res = await ctx.http.get(path).set('X-Request-Id', id).expect(status);
      expect(res.body.error.request_id).toBe(id);
      const lines = logs
        .entries()
        .filter((entry) => entry.msg === 'request' && entry.request_id === id);
      expect(lines).toEqual([expect.objectContaining({ method: 'GET', url: path, status })]);
    }
  });

  it('never writes a key, the metrics token or an authorization header to the log', async () => {
    await ctx.http
      .get('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .expect(200);
    await ctx.http
      .get('/api/v1/audit-entries')
      .set('Authorization', `Bearer ${MANAGEMENT_KEY}`)
      .expect(200);
    await ctx.http.post('/api/v1/events').set('X-Ingest-Key', INGEST_KEY).send({}).expect(400);
    await ctx.http
      .get('/api/v1/recomputations')
      .set('X-Management-Key', 'wrong-key-xyz')
      .expect(401);
    await ctx.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    await ctx.http.get('/metrics').set('Authorization', 'Bearer wrong-token-xyz').expect(401);
    // A key (or any secret-looking parameter) put in the URL by mistake is redacted too.
    await ctx.http
      .get(`/api/v1/recomputations?key=${MANAGEMENT_KEY}&api_token=url-secret-xyz`)
      .set('X-Request-Id', 'key-in-url')
      .expect(401);
    expect(logs.accessLine('key-in-url')).toMatchObject({
      url: '/api/v1/recomputations?key=[redacted]&api_token=[redacted]',
    });
    const text = logs.text();
    expect(text).toContain('"route":"/api/v1/recomputations"'); // the lines were written
    for (const secret of [
      MANAGEMENT_KEY,
      INGEST_KEY,
      METRICS_TOKEN,
      'wrong-key-xyz',
      'wrong-token-xyz',
      'url-secret-xyz',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text.toLowerCase()).not.toContain('bearer');
  });

  it('never takes an id containing a key: a new id is logged and echoed instead', async () => {
    for (const given of [MANAGEMENT_KEY, `trace-${INGEST_KEY}`, METRICS_TOKEN]) {
      const res = await ctx.http.get('/api/v1/reports').set('X-Request-Id', given).expect(200);
      const id = res.headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(logs.accessLine(id)).toMatchObject({ route: '/api/v1/reports', status: 200 });
      // Also on the path that answers cache hits ahead of Fastify.
      const run = '/api/v1/reports/status-counts/run?date_from=2026-01-01&date_to=2026-01-02';
      await ctx.http.get(run).expect(200);
      const hit = await ctx.http.get(run).set('X-Request-Id', given).expect(200);
      expect(hit.body.data.cache_hit).toBe(true);
      expect(hit.headers['x-request-id']).toMatch(UUID);
    }
    expect(logs.text()).not.toContain(MANAGEMENT_KEY);
    expect(logs.text()).not.toContain(INGEST_KEY);
    expect(logs.text()).not.toContain(METRICS_TOKEN);
  });

  it('refuses an actor containing a key (an actor is stored, audited and a metric label)', async () => {
    const trigger = {
      report_slug: 'status-counts',
      window: 'day',
      date_from: '2026-01-01',
      date_to: '2026-01-02',
    };
    const before = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
    const header = await ctx.http
      .post('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .set('X-Actor', `ops ${MANAGEMENT_KEY}`)
      .send(trigger)
      .expect(400);
    const headerMessage = 'X-Actor must not contain an API key or token';
    expect(header.body.error).toMatchObject({
      message: headerMessage,
      details: [{ parameter: 'X-Actor', message: headerMessage }],
    });
    await ctx.http
      .post('/api/v1/events')
      .set('X-Ingest-Key', INGEST_KEY)
      .set('X-Actor', INGEST_KEY)
      .send({ events: [] })
      .expect(400)
      .expect((res) => expect(res.body.error.details[0].parameter).toBe('X-Actor'));
    const body = await ctx.http
      .post('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .send({ ...trigger, requested_by: METRICS_TOKEN })
      .expect(400);
    const bodyMessage = 'requested_by must not contain an API key or token';
    expect(body.body.error).toMatchObject({
      message: bodyMessage,
      details: [{ parameter: 'requested_by', message: bodyMessage }],
    });
    const after = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('identity and credential headers sent twice', () => {
  const ctx = useTestApp('migrated');

  /** A request with `name` sent twice: supertest joins an array value, so set raw pairs. */
  function twice(
    path: string,
    name: string,
    values: [string, string],
    method: 'get' | 'post' = 'get',
  ) {
    const req = ctx.http[method](path);
    const raw = req as unknown as { set(field: string, value: string[]): typeof req };
    return raw.set(name, values);
  }

  it.each([
    ['X-Actor', ['alice', 'mallory']],
    ['X-Request-Id', ['one', 'two']],
    ['X-Management-Key', [MANAGEMENT_KEY, MANAGEMENT_KEY]],
    ['X-Ingest-Key', [INGEST_KEY, 'other']],
    ['Authorization', [`Bearer ${MANAGEMENT_KEY}`, 'Bearer other']],
  ] as const)('refuses %s with a 400 naming it, before anything reads it', async (name, values) => {
    const before = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
    const res = await twice('/api/v1/recomputations', name, [...values], 'post')
      .set(
        name === 'X-Management-Key' || name === 'Authorization'
          ? {}
          : { 'X-Management-Key': MANAGEMENT_KEY },
      )
      .send({
        report_slug: 'status-counts',
        window: 'day',
        date_from: '2026-01-01',
        date_to: '2026-01-02',
      })
      .expect(400);
    const message = `the ${name} header must be sent once, not repeated`;
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message,
      details: [{ parameter: name, message }],
      request_id: res.headers['x-request-id'],
    });
    const after = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses a repeated header on public routes too, and takes neither value as the request id', async () => {
    const res = await twice('/api/v1/reports', 'X-Request-Id', ['one', 'two']).expect(400);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
  });
});
