import { jest } from '@jest/globals';
import { RecomputeRepository } from '../../src/recompute/recompute.repository.js';
import { MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import { rawRequest } from '../support/raw-http.js';
import {
  AUTH,
  expectedRows,
  insertEvents,
  storedRows,
  waitForStatus,
} from '../support/recompute.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_RANGE_DAYS = 60;

const body = (overrides: Record<string, unknown> = {}) => ({
  report_slug: 'volume-by-period',
  window: 'day',
  date_from: '2026-03-01',
  date_to: '2026-03-31',
  ...overrides,
});

describe('recompute runs through the management API', () => {
  const ctx = useTestApp('migrated', {
    env: { MAX_REPORT_RANGE_DAYS: String(MAX_RANGE_DAYS), RECOMPUTE_LEASE_SECONDS: '5' },
  });

  beforeAll(async () => {
    // March 2026 (1 March is a Sunday), plus the days around it.
    await insertEvents(ctx.db.sql, 3000, '2026-02-20T00:00:00Z', '2026-04-10T00:00:00Z');
  });

  const trigger = (payload: unknown, headers: Record<string, string> = AUTH) =>
    ctx.http
      .post('/api/v1/recomputations')
      .set(headers)
      .send(payload as object);

  async function completed(id: string) {
    await waitForStatus(ctx.db.sql, id, ['completed', 'failed']);
    const res = await ctx.http.get(`/api/v1/recomputations/${id}`).set(AUTH).expect(200);
    return res.body.data;
  }

  describe('lifecycle', () => {
    it('answers 202 with the pending run, then completes with snapshots equal to SQL truth', async () => {
      const res = await trigger(body({ requested_by: 'alice@ops' })).expect(202);
      expect(res.body).toEqual({
        data: {
          id: expect.stringMatching(UUID),
          report_slug: 'volume-by-period',
          window: 'day',
          date_from: '2026-03-01',
          date_to: '2026-03-31',
          requested_by: 'alice@ops',
          status: 'pending',
          requested_at: expect.stringMatching(/^2\d{3}-\d{2}-\d{2}T.*Z$/),
          started_at: null,
          finished_at: null,
          summary: null,
          error_message: null,
        },
        meta: {},
      });
      const id = res.body.data.id;

      const run = await completed(id);
      const start = '2026-03-01T00:00:00Z';
      const end = '2026-04-01T00:00:00Z';
      const truth = await expectedRows(ctx.db.sql, 'volume-by-period', 'day', start, end);
      expect(truth).toHaveLength(31 * 3);
      expect(await storedRows(ctx.db.sql, 'volume-by-period', 'day', start, end)).toEqual(truth);
      expect(run).toMatchObject({
        status: 'completed',
        summary: { rows_deleted: 0, rows_inserted: truth.length, bucket_count: 31 },
        error_message: null,
      });
      expect(Date.parse(run.started_at)).toBeGreaterThanOrEqual(Date.parse(run.requested_at));
      expect(Date.parse(run.finished_at)).toBeGreaterThanOrEqual(Date.parse(run.started_at));
      // Nothing outside the range was written, and every row carries the run id.
      const { rows } = await ctx.db.sql.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE run_id = $1)::int AS mine,
                min(bucket_start) AS first, max(bucket_start) AS last
           FROM metric_snapshots WHERE report_slug = 'volume-by-period' AND window_name = 'day'`,
        [id],
      );
      expect(rows[0]).toMatchObject({ n: truth.length, mine: truth.length });
      expect(rows[0].first.toISOString()).toBe('2026-03-01T00:00:00.000Z');
      expect(rows[0].last.toISOString()).toBe('2026-03-31T00:00:00.000Z');

      // The audit trail: triggered by the requester, completed by the worker.
      const audit = await ctx.db.sql.query(
        `SELECT actor, action, metadata FROM audit_entries WHERE resource_id = $1 ORDER BY id`,
        [id],
      );
      const scope = {
        report_slug: 'volume-by-period',
        window: 'day',
        date_from: '2026-03-01',
        date_to: '2026-03-31',
      };
      expect(audit.rows).toEqual([
        { actor: 'alice@ops', action: 'recompute.triggered', metadata: scope },
        {
          actor: 'recompute-worker',
          action: 'recompute.completed',
          metadata: { ...scope, attempt: 1, summary: run.summary },
        },
      ]);
    });

    it('rebuilds the same scope again once the first run is final, replacing the rows', async () => {
      await ctx.db.sql.query(
        `UPDATE analytics_events SET status = 'failed' WHERE occurred_at >= '2026-03-10' AND occurred_at < '2026-03-11'`,
      );
      const res = await trigger(body({ report_slug: 'status-counts' })).expect(202);
      const first = await completed(res.body.data.id);
      const again = await trigger(body({ report_slug: 'status-counts' })).expect(202);
      const second = await completed(again.body.data.id);
      expect(second.summary).toEqual({
        rows_deleted: first.summary.rows_inserted,
        rows_inserted: first.summary.rows_inserted,
        bucket_count: 31,
      });
      const start = '2026-03-01T00:00:00Z';
      const end = '2026-04-01T00:00:00Z';
      expect(await storedRows(ctx.db.sql, 'status-counts', 'day', start, end)).toEqual(
        await expectedRows(ctx.db.sql, 'status-counts', 'day', start, end),
      );
    });

    it('rebuilds whole weeks: a run starting mid-week counts the whole first week', async () => {
      // 2026-03-04 is a Wednesday: its week starts on Monday 2026-03-02; 2026-03-11 is in the
      // week ending Sunday 2026-03-15.
      const res = await trigger(
        body({
          report_slug: 'top-entities',
          window: 'week',
          date_from: '2026-03-04',
          date_to: '2026-03-11',
        }),
      ).expect(202);
      const run = await completed(res.body.data.id);
      const start = '2026-03-02T00:00:00Z';
      const end = '2026-03-16T00:00:00Z';
      const truth = await expectedRows(ctx.db.sql, 'top-entities', 'week', start, end);
      expect(truth.map((line) => line.slice(0, 10))).toEqual(
        expect.arrayContaining(['2026-03-02', '2026-03-09']),
      );
      expect(
        await storedRows(ctx.db.sql, 'top-entities', 'week', '2020-01-01', '2030-01-01'),
      ).toEqual(truth);
      // The first week holds the events of Monday and Tuesday too.
      const { rows } = await ctx.db.sql.query(
        `SELECT count(*)::int AS n FROM analytics_events
          WHERE occurred_at >= '2026-03-02' AND occurred_at < '2026-03-09'`,
      );
      const firstWeek = await ctx.db.sql.query(
        `SELECT sum(metric_value)::int AS n FROM metric_snapshots
          WHERE report_slug = 'top-entities' AND window_name = 'week' AND bucket_start = '2026-03-02'`,
      );
      expect(firstWeek.rows[0].n).toBe(rows[0].n);
      expect(run.summary).toEqual({
        rows_deleted: 0,
        rows_inserted: truth.length,
        bucket_count: 2,
      });
    });
  });

  describe('requested_by', () => {
    it('defaults to the X-Actor header, then to management-api', async () => {
      const fromHeader = await trigger(body({ date_from: '2026-03-02', date_to: '2026-03-02' }), {
        ...AUTH,
        'X-Actor': 'bob@ops',
      }).expect(202);
      expect(fromHeader.body.data.requested_by).toBe('bob@ops');
      const fromBody = await trigger(
        body({ date_from: '2026-03-03', date_to: '2026-03-03', requested_by: ' carol ' }),
        { ...AUTH, 'X-Actor': 'bob@ops' },
      ).expect(202);
      expect(fromBody.body.data.requested_by).toBe('carol');
      const byDefault = await trigger(
        body({ date_from: '2026-03-04', date_to: '2026-03-04' }),
      ).expect(202);
      expect(byDefault.body.data.requested_by).toBe('management-api');
      const audit = await ctx.db.sql.query(
        `SELECT actor FROM audit_entries WHERE action = 'recompute.triggered' AND resource_id = ANY($1)
          ORDER BY id`,
        [[fromHeader.body.data.id, fromBody.body.data.id, byDefault.body.data.id]],
      );
      expect(audit.rows.map((row) => row.actor)).toEqual(['bob@ops', 'carol', 'management-api']);
      for (const res of [fromHeader, fromBody, byDefault]) await completed(res.body.data.id);
    });

    it.each([
      ['too long', 'x'.repeat(201), 'X-Actor must be 1–200 characters long'],
      ['blank', '  ', 'X-Actor must not be empty'],
    ])('rejects an X-Actor header that is %s, creating nothing', async (_name, actor, message) => {
      const before = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
      const res = await trigger(body(), { ...AUTH, 'X-Actor': actor }).expect(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_request',
        message,
        details: [{ parameter: 'X-Actor', message }],
      });
      const after = await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    it('reads X-Actor as UTF-8 into the run and its audit entry; other bytes are a 400', async () => {
      const send = (actor: Buffer, day: string) =>
        rawRequest(
          ctx.app.app.getHttpServer(),
          Buffer.concat([
            Buffer.from(
              'POST /api/v1/recomputations HTTP/1.1\r\nContent-Type: application/json\r\n' +
                `X-Management-Key: ${MANAGEMENT_KEY}\r\nX-Actor: `,
            ),
            actor,
          ]),
          JSON.stringify(body({ date_from: day, date_to: day })),
        );
      const actor = 'zoë … 東京';
      const created = await send(Buffer.from(actor, 'utf8'), '2026-03-05');
      expect(created.status).toBe(202);
      const run = JSON.parse(created.body).data;
      expect(run.requested_by).toBe(actor);
      const audit = await ctx.db.sql.query(
        `SELECT actor FROM audit_entries WHERE action = 'recompute.triggered' AND resource_id = $1`,
        [run.id],
      );
      expect(audit.rows).toEqual([{ actor }]);
      await completed(run.id);

      const refused = await send(Buffer.from([0x7a, 0x6f, 0xeb]), '2026-03-06'); // "zoë" in Latin-1
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body).error.message).toBe('X-Actor must be UTF-8 text');
      const { rows } = await ctx.db.sql.query(
        `SELECT 1 FROM recompute_runs WHERE date_from = '2026-03-06'`,
      );
      expect(rows).toEqual([]);
    });
  });

  describe('validation of the body', () => {
    const cases: [string, unknown, string][] = [
      ['an unknown field', body({ priority: 'high' }), 'priority'],
      ['a missing report_slug', { ...body(), report_slug: undefined }, 'report_slug'],
      ['a numeric report_slug', body({ report_slug: 42 }), 'report_slug'],
      ['an empty report_slug', body({ report_slug: '' }), 'report_slug'],
      ['a missing window', { ...body(), window: undefined }, 'window'],
      ['an unknown window', body({ window: 'month' }), 'window'],
      ['a window of the wrong type', body({ window: ['day'] }), 'window'],
      ['a missing date_from', { ...body(), date_from: undefined }, 'date_from'],
      ['a missing date_to', { ...body(), date_to: undefined }, 'date_to'],
      ['a date without dashes', body({ date_from: '20260301' }), 'date_from'],
      ['a date with one-digit parts', body({ date_from: '2026-3-01' }), 'date_from'],
      ['an impossible day', body({ date_to: '2026-02-30' }), 'date_to'],
      ['an impossible month', body({ date_from: '2026-13-01' }), 'date_from'],
      ['a date-time', body({ date_from: '2026-03-01T00:00:00Z' }), 'date_from'],
      ['a numeric date', body({ date_to: 20260331 }), 'date_to'],
      ['a null date', body({ date_from: null }), 'date_from'],
      ['a date before 2000', body({ date_from: '1999-12-31', date_to: '2000-01-01' }), 'date_from'],
      ['a date after 2999', body({ date_from: '2999-12-31', date_to: '3000-01-01' }), 'date_to'],
      ['a year 0 date', body({ date_from: '0000-01-01', date_to: '0000-01-02' }), 'date_from'],
      ['a reversed range', body({ date_from: '2026-03-31', date_to: '2026-03-01' }), 'date_from'],
      [
        'a range longer than MAX_REPORT_RANGE_DAYS',
        body({ date_from: '2026-01-01', date_to: '2026-03-02' }),
        'date_from',
      ],
      ['an empty requested_by', body({ requested_by: '' }), 'requested_by'],
      ['a blank requested_by', body({ requested_by: '   ' }), 'requested_by'],
      ['a numeric requested_by', body({ requested_by: 7 }), 'requested_by'],
      ['a null requested_by', body({ requested_by: null }), 'requested_by'],
      ['a too long requested_by', body({ requested_by: 'x'.repeat(201) }), 'requested_by'],
      ['a NUL in requested_by', body({ requested_by: 'x\u0000y' }), 'requested_by'],
      ['a NUL in report_slug', body({ report_slug: 'status-counts\u0000' }), 'report_slug'],
    ];

    it.each(cases)('answers 400 naming the field for %s', async (_name, payload, field) => {
      const res = await trigger(payload).expect(400);
      expect(res.body).toEqual({
        error: {
          code: 'invalid_request',
          message: expect.stringContaining(field),
          details: expect.any(Array),
          request_id: expect.any(String),
        },
      });
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ parameter: field }));
    });

    it('accepts a range of exactly MAX_REPORT_RANGE_DAYS days', async () => {
      // 2026-01-01 .. 2026-03-01 is 60 days.
      const res = await trigger(body({ date_from: '2026-01-01', date_to: '2026-03-01' })).expect(
        202,
      );
      await completed(res.body.data.id);
    });

    it.each([
      ['malformed JSON', '{"report_slug": "volume-by-period",'],
      ['a JSON array', '[]'],
      ['a JSON string', '"volume-by-period"'],
      ['JSON null', 'null'],
      ['an empty object', '{}'],
    ])('answers 400 invalid_request for %s', async (_name, raw) => {
      const res = await ctx.http
        .post('/api/v1/recomputations')
        .set({ ...AUTH, 'Content-Type': 'application/json' })
        .send(raw)
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
    });

    it('answers 4xx, never 500, for a body that is not JSON', async () => {
      const res = await ctx.http
        .post('/api/v1/recomputations')
        .set({ ...AUTH, 'Content-Type': 'text/plain' })
        .send('report_slug=volume-by-period');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.code).toBe('invalid_request');
    });

    it('answers 404 for an unknown report and creates nothing', async () => {
      const res = await trigger(body({ report_slug: 'no-such-report' })).expect(404);
      expect(res.body.error).toEqual({
        code: 'not_found',
        message: 'report not found: no-such-report',
        details: [],
        request_id: expect.any(String),
      });
      const { rows } = await ctx.db.sql.query(
        `SELECT count(*)::int AS n FROM recompute_runs WHERE report_slug = 'no-such-report'`,
      );
      expect(rows[0].n).toBe(0);
    });
  });

  describe('GET /recomputations/{id}', () => {
    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      for (const id of [
        'not-a-uuid',
        '123',
        '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b1',
        "x' OR 1=1 --",
      ]) {
        const res = await ctx.http
          .get(`/api/v1/recomputations/${encodeURIComponent(id)}`)
          .set(AUTH);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'invalid_request',
          message: 'id must be a UUID',
        });
      }
      const unknown = '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19';
      const res = await ctx.http.get(`/api/v1/recomputations/${unknown}`).set(AUTH).expect(404);
      expect(res.body.error).toMatchObject({
        code: 'not_found',
        message: `recompute run not found: ${unknown}`,
      });
    });
  });

  describe('GET /recomputations', () => {
    it('lists runs newest first with filters and pagination', async () => {
      const all = await ctx.http.get('/api/v1/recomputations?limit=100').set(AUTH).expect(200);
      const { rows } = await ctx.db.sql.query(
        `SELECT id FROM recompute_runs ORDER BY requested_at DESC, id DESC`,
      );
      expect(all.body.data.map((run: { id: string }) => run.id)).toEqual(rows.map((row) => row.id));
      expect(all.body.meta).toEqual({ pagination: { limit: 100, offset: 0, total: rows.length } });

      const page = await ctx.http
        .get('/api/v1/recomputations?limit=2&offset=1')
        .set(AUTH)
        .expect(200);
      expect(page.body.data.map((run: { id: string }) => run.id)).toEqual(
        rows.slice(1, 3).map((row) => row.id),
      );
      expect(page.body.meta.pagination).toEqual({ limit: 2, offset: 1, total: rows.length });

      const byDefault = await ctx.http.get('/api/v1/recomputations').set(AUTH).expect(200);
      expect(byDefault.body.meta.pagination).toMatchObject({ limit: 20, offset: 0 });

      const filtered = await ctx.http
        .get('/api/v1/recomputations?report_slug=status-counts&status=completed')
        .set(AUTH)
        .expect(200);
      expect(filtered.body.data).toHaveLength(2);
      expect(filtered.body.meta.pagination.total).toBe(2);
      for (const run of filtered.body.data) {
        expect(run).toMatchObject({ report_slug: 'status-counts', status: 'completed' });
      }
      const none = await ctx.http.get('/api/v1/recomputations?status=failed').set(AUTH).expect(200);
      expect(none.body).toEqual({
        data: [],
        meta: { pagination: { limit: 20, offset: 0, total: 0 } },
      });

      const beyond = await ctx.http.get('/api/v1/recomputations?offset=1000').set(AUTH).expect(200);
      expect(beyond.body.data).toEqual([]);
      expect(beyond.body.meta.pagination.total).toBe(rows.length);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=99999999999999', 'offset'],
      ['status=done', 'status'],
      ['report_slug=', 'report_slug'],
      ['report_slug=%00', 'report_slug'],
      ['report_slug=nope', 'report_slug must be one of'],
      ['sort=name', 'sort'],
    ])('answers 400 naming the parameter for ?%s', async (query, parameter) => {
      const res = await ctx.http.get(`/api/v1/recomputations?${query}`).set(AUTH).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toContain(parameter);
    });
  });

  describe('OpenAPI', () => {
    it('documents the management routes with both security schemes, bodies and errors', async () => {
      const doc = (await ctx.http.get('/docs-json').expect(200)).body;
      expect(doc.components.securitySchemes).toMatchObject({
        'management-key': { type: 'apiKey', in: 'header', name: 'X-Management-Key' },
        'bearer-key': { type: 'http', scheme: 'bearer' },
      });
      const operations = [
        doc.paths['/api/v1/recomputations'].post,
        doc.paths['/api/v1/recomputations'].get,
        doc.paths['/api/v1/recomputations/{id}'].get,
        doc.paths['/api/v1/audit-entries'].get,
      ];
      for (const operation of operations) {
        // Either scheme satisfies the route (Swagger UI's Authorize offers both).
        expect(operation.security).toEqual([{ 'management-key': [] }, { 'bearer-key': [] }]);
        expect(
          operation.responses['401'].content['application/json'].examples.unauthorized.value.error
            .code,
        ).toBe('unauthorized');
      }
      const post = doc.paths['/api/v1/recomputations'].post;
      expect(Object.keys(post.responses).sort()).toEqual([
        '202',
        '400',
        '401',
        '404',
        '409',
        '413',
        '415',
        '500',
        '503',
      ]);
      expect(post.requestBody.content['application/json'].examples.day.value).toMatchObject({
        report_slug: 'volume-by-period',
      });
      expect(
        post.responses['409'].content['application/json'].examples.scopeBusy.value.error.code,
      ).toBe('conflict');
      expect(post.parameters).toContainEqual(
        expect.objectContaining({ name: 'X-Actor', in: 'header' }),
      );
      expect(doc.components.schemas.RecomputeRunDto.required).toEqual([
        'id',
        'report_slug',
        'window',
        'date_from',
        'date_to',
        'requested_by',
        'status',
        'requested_at',
        'started_at',
        'finished_at',
        'summary',
        'error_message',
      ]);
      expect(doc.components.schemas.CreateRecomputationDto.required).toEqual([
        'report_slug',
        'window',
        'date_from',
        'date_to',
      ]);
      const get = doc.paths['/api/v1/recomputations/{id}'].get;
      expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '404', '500', '503']);
      const audit = doc.paths['/api/v1/audit-entries'].get;
      expect(audit.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
        'action',
        'actor',
        'limit',
        'offset',
      ]);
    });
  });

  describe('management authentication', () => {
    const routes = [
      ['post', '/api/v1/recomputations'],
      ['get', '/api/v1/recomputations'],
      ['get', '/api/v1/recomputations/5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19'],
      ['get', '/api/v1/audit-entries'],
    ] as const;
    const request = (method: 'get' | 'post', path: string, headers: Record<string, string>) => {
      const req = ctx.http[method](path).set(headers);
      return method === 'post'
        ? req.send(body({ date_from: '2026-03-20', date_to: '2026-03-20' }))
        : req;
    };
    const rejected: [string, Record<string, string>][] = [
      ['no key', {}],
      ['a wrong X-Management-Key', { 'X-Management-Key': 'wrong-key' }],
      ['an empty X-Management-Key', { 'X-Management-Key': '' }],
      [
        'a key that is a prefix of the right one',
        { 'X-Management-Key': MANAGEMENT_KEY.slice(0, -1) },
      ],
      ['the right key plus a character', { 'X-Management-Key': `${MANAGEMENT_KEY}x` }],
      ['a wrong bearer token', { Authorization: 'Bearer wrong-key' }],
      ['an empty bearer token', { Authorization: 'Bearer ' }],
      ['the key with another scheme', { Authorization: `Basic ${MANAGEMENT_KEY}` }],
      ['the bare key in Authorization', { Authorization: MANAGEMENT_KEY }],
      ['a long (8 KB) wrong key', { 'X-Management-Key': 'k'.repeat(8 * 1024) }],
    ];

    it.each(routes)(
      '%s %s answers 401 unauthorized without the right key',
      async (method, path) => {
        for (const [, headers] of rejected) {
          const res = await request(method, path, headers);
          expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
          // HTTP requires a challenge on every 401.
          expect(res.headers['www-authenticate']).toBe('Bearer realm="tally"');
          expect(res.body).toEqual({
            error: {
              code: 'unauthorized',
              message:
                'a valid management key is required (X-Management-Key or Authorization: Bearer)',
              details: [],
              request_id: expect.any(String),
            },
          });
          expect(JSON.stringify(res.body)).not.toContain(MANAGEMENT_KEY);
        }
      },
    );

    it('accepts the key as X-Management-Key or as a bearer token (any case of "Bearer")', async () => {
      for (const headers of [
        { 'X-Management-Key': MANAGEMENT_KEY },
        { Authorization: `Bearer ${MANAGEMENT_KEY}` },
        { Authorization: `bearer ${MANAGEMENT_KEY}` },
        // One right credential is enough when both are sent.
        { 'X-Management-Key': 'stale', Authorization: `Bearer ${MANAGEMENT_KEY}` },
      ]) {
        await ctx.http.get('/api/v1/recomputations').set(headers).expect(200);
        await ctx.http.get('/api/v1/audit-entries').set(headers).expect(200);
      }
      const res = await ctx.http
        .post('/api/v1/recomputations')
        .set({ Authorization: `Bearer ${MANAGEMENT_KEY}` })
        .send(body({ date_from: '2026-03-21', date_to: '2026-03-21' }))
        .expect(202);
      await completed(res.body.data.id);
    });

    // Node's 16 KB header limit answers 431 before the guard runs (the 8 KB key above reaches it).
    it('never answers 500 to a very long (100 KB) key', async () => {
      for (const headers of [
        { 'X-Management-Key': 'k'.repeat(100 * 1024) },
        { Authorization: `Bearer ${'k'.repeat(100 * 1024)}` },
      ]) {
        const res = await ctx.http.get('/api/v1/recomputations').set(headers);
        expect([401, 431]).toContain(res.status);
        expect(res.body.error.code).toBe(res.status === 401 ? 'unauthorized' : 'invalid_request');
        expect(res.text).not.toContain('kkkkkkkk');
      }
    });

    it('checks the key before validating the body', async () => {
      const res = await ctx.http.post('/api/v1/recomputations').send({ bogus: true }).expect(401);
      expect(res.body.error.code).toBe('unauthorized');
    });
  });
});

describe('a trigger whose wait for the WAL flush fails', () => {
  const ctx = useTestApp('migrated');

  it('still answers 202: the run exists, and executes', async () => {
    await insertEvents(ctx.db.sql, 50, '2026-04-08T00:00:00Z', '2026-04-09T00:00:00Z');
    const flush = jest
      .spyOn(ctx.app.app.get(RecomputeRepository), 'flushWal')
      .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    try {
      const res = await ctx.http
        .post('/api/v1/recomputations')
        .set(AUTH)
        .send(body({ date_from: '2026-04-08', date_to: '2026-04-08' }))
        .expect(202);
      expect(flush).toHaveBeenCalledTimes(1);
      expect((await waitForStatus(ctx.db.sql, res.body.data.id, ['completed'])).status).toBe(
        'completed',
      );
    } finally {
      flush.mockRestore();
    }
  });
});
