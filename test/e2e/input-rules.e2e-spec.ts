import { MAX_ERROR_DETAILS } from '../../src/common/exception.filter.js';
import { useTestApp } from '../support/context.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { AUTH, RUNS_URL as RUNS, runBody } from '../support/recompute.js';

const BODY_FIELDS = 'report_slug, window, date_from, date_to, requested_by';

const valid = runBody();

/** Every GET route that reads a query string, with the parameters it allows. */
const QUERY_ROUTES: [string, Record<string, string>, string][] = [
  [RUNS, AUTH, 'status, report_slug, limit, offset'],
  ['/api/v1/audit-entries', AUTH, 'action, actor, limit, offset'],
  ['/api/v1/reports', {}, 'search, limit, offset, sort, order'],
  ['/api/v1/reports/status-counts', {}, 'none'],
  [
    '/api/v1/reports/status-counts/run',
    {},
    'window, date_from, date_to, breakdown, source, status, limit, offset',
  ],
  [`${RUNS}/5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19`, AUTH, 'none'],
  [
    '/api/v1/events',
    AUTH,
    'source, entity_id, status, external_ref, occurred_from, occurred_to, limit, cursor',
  ],
  ['/api/v1/sources', {}, 'none'],
  ['/api/v1/freshness', AUTH, 'none'],
];

/** A JSON body with `name` as one more key, written as text so that the name is an own key. */
const withKey = (body: object, name: string) =>
  `${JSON.stringify(body).slice(0, -1)},${JSON.stringify(name)}:"x"}`;

/**
 * Names that an object lookup would find although nobody declared them: every property of
 * Object.prototype (`constructor`, `__proto__`, `toString`, `hasOwnProperty`…), plus near misses.
 */
/** `text` as a regular expression matching it literally. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const TRICKY_NAMES = [
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
  'length',
  'then',
  'REPORT_SLUG',
  'report_slug ',
  'reportSlug',
  'limit[]',
];

describe('the input rules, the same on every route', () => {
  const ctx = useTestApp('migrated');

  const trigger = (body: object) => ctx.http.post(RUNS).set(AUTH).send(body);
  const runCount = async () =>
    (await ctx.db.sql.query('SELECT count(*)::int AS n FROM recompute_runs')).rows[0].n as number;

  describe('unknown names are refused, whatever they are called', () => {
    it.each(TRICKY_NAMES.filter((name) => name !== '__proto__'))(
      'POST /recomputations with the field %j answers 400 and creates nothing',
      async (name) => {
        const before = await runCount();
        const res = await ctx.http
          .post(RUNS)
          .set(AUTH)
          .set('Content-Type', 'application/json')
          .send(withKey(valid, name))
          .expect(400);
        const message = `${name} is not a known field (allowed: ${BODY_FIELDS})`;
        expect(res.body).toEqual({
          error: {
            code: 'invalid_request',
            message,
            details: [{ parameter: name, message }],
            request_id: expect.any(String),
          },
        });
        expect(await runCount()).toBe(before);
      },
    );

    it('the other JSON bodies refuse each of them too, and store nothing', async () => {
      const json = { 'Content-Type': 'application/json' };
      const event = newEvent(1);
      const bodies: [string, string, Record<string, string>, (name: string) => string][] = [
        [
          'post',
          '/api/v1/sources',
          AUTH,
          (name) => withKey({ slug: 'x', provider_name: 'X' }, name),
        ],
        ['patch', '/api/v1/sources/stripe', AUTH, (name) => withKey({ provider_name: 'S' }, name)],
        ['post', '/api/v1/events', INGEST_AUTH, (name) => withKey({ events: [event] }, name)],
        [
          'post',
          '/api/v1/events',
          INGEST_AUTH,
          (name) => JSON.stringify({ events: [JSON.parse(withKey(event, name))] }),
        ],
        ['post', '/api/v1/refresh', AUTH, (name) => JSON.stringify({ [name]: 'x' })],
      ];
      for (const name of TRICKY_NAMES.filter((tricky) => tricky !== '__proto__')) {
        for (const [method, path, auth, body] of bodies) {
          const request = method === 'post' ? ctx.http.post(path) : ctx.http.patch(path);
          const res = await request.set({ ...auth, ...json }).send(body(name));
          expect([path, res.status]).toEqual([path, 400]);
          expect(res.body.error.details).toEqual([
            {
              parameter: expect.stringMatching(new RegExp(`(^|\\.)${escape(name)}$`)),
              message: expect.stringContaining(' is not a known field (allowed: '),
            },
          ]);
        }
      }
      const stored = await ctx.db.sql.query(
        `SELECT (SELECT count(*)::int FROM analytics_events) AS events,
                (SELECT count(*)::int FROM event_sources WHERE slug = 'x') AS sources,
                (SELECT provider_name FROM event_sources WHERE slug = 'stripe') AS stripe`,
      );
      expect(stored.rows).toEqual([{ events: 0, sources: 0, stripe: 'Stripe' }]);
    });

    it('POST /refresh takes no parameters and no body fields, but an empty body', async () => {
      const refresh = () => ctx.http.post('/api/v1/refresh').set(AUTH);
      const query = await refresh().query({ force: 'true' }).expect(400);
      expect(query.body.error.message).toBe('force is not a known query parameter (allowed: none)');
      const body = await refresh().send({ force: true }).expect(400);
      expect(body.body.error.message).toBe('force is not a known field (allowed: none)');
      for (const empty of [refresh(), refresh().send({})]) {
        expect((await empty.expect(202)).body.data).toEqual([]);
      }
    });

    it.each(QUERY_ROUTES)('%s refuses each of them as a query parameter', async (path, auth) => {
      for (const name of TRICKY_NAMES) {
        const res = await ctx.http.get(`${path}?${encodeURIComponent(name)}=1`).set(auth);
        expect(res.status).toBe(400);
        expect(res.body.error.details).toEqual([
          { parameter: name, message: expect.stringMatching(/ is not a known query parameter /) },
        ]);
        expect(res.body.error.message).toBe(res.body.error.details[0].message);
      }
    });

    it.each(QUERY_ROUTES)('%s lists the parameters it allows', async (path, auth, allowed) => {
      const res = await ctx.http.get(`${path}?constructor=1`).set(auth).expect(400);
      expect(res.body.error.message).toBe(
        `constructor is not a known query parameter (allowed: ${allowed})`,
      );
    });
  });

  describe('a missing, null or mistyped field is named with what is wrong', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['report_slug', { report_slug: undefined }, 'report_slug is required'],
      ['report_slug', { report_slug: null }, 'report_slug is required'],
      ['report_slug', { report_slug: 42 }, 'report_slug must be a string'],
      ['report_slug', { report_slug: ['status-counts'] }, 'report_slug must be a string'],
      ['report_slug', { report_slug: { a: 1 } }, 'report_slug must be a string'],
      [
        'report_slug',
        { report_slug: 'status-counts\u0000' },
        'report_slug must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit',
      ],
      ['window', { window: undefined }, 'window is required'],
      ['window', { window: null }, 'window is required'],
      ['window', { window: 1 }, 'window must be one of day, week'],
      ['window', { window: 'month' }, 'window must be one of day, week'],
      ['date_from', { date_from: undefined }, 'date_from is required'],
      ['date_from', { date_from: null }, 'date_from is required'],
      ['date_from', { date_from: 20260301 }, 'date_from must be a date in YYYY-MM-DD format'],
      [
        'date_from',
        { date_from: '1999-12-31', date_to: '2000-01-01' },
        'date_from must be between 2000-01-01 and 2999-12-31',
      ],
      [
        'date_to',
        { date_to: '2026-02-30' },
        'date_to must be a real calendar date (2026-02-30 does not exist)',
      ],
      [
        'requested_by',
        { requested_by: null },
        'requested_by must not be null (leave it out instead)',
      ],
      ['requested_by', { requested_by: 7 }, 'requested_by must be a string'],
      ['requested_by', { requested_by: '  ' }, 'requested_by must not be empty'],
      [
        'requested_by',
        { requested_by: 'x'.repeat(201) },
        'requested_by must be 1–200 characters long',
      ],
      [
        'requested_by',
        { requested_by: 'a\u0085b' },
        'requested_by must contain only printable characters',
      ],
    ])('%s in %j', async (parameter, change, message) => {
      const body = { ...valid, ...change };
      const res = await trigger(body).expect(400);
      expect(res.body).toEqual({
        error: {
          code: 'invalid_request',
          message,
          details: [{ parameter, message }],
          request_id: expect.any(String),
        },
      });
    });
  });

  describe('one integer rule, one day rule: the same messages on every route', () => {
    const routes = [
      [RUNS, AUTH],
      ['/api/v1/audit-entries', AUTH],
      ['/api/v1/reports', {}],
      ['/api/v1/reports/status-counts/run', {}],
    ] as const;

    it.each([
      ['limit=abc', 'limit must be an integer'],
      ['limit=1.5', 'limit must be an integer'],
      ['limit=%2B5', 'limit must be an integer'],
      ['limit=%205', 'limit must be an integer'],
      ['limit=', 'limit must be an integer'],
      ['limit=0', 'limit must be between 1 and 100'],
      ['limit=101', 'limit must be between 1 and 100'],
      ['limit=1&limit=2', 'limit must be given only once'],
      ['offset=-1', 'offset must be between 0 and 2147483647'],
      ['offset=99999999999999999999', 'offset must be between 0 and 2147483647'],
    ])('?%s → %s', async (query, message) => {
      for (const [path, auth] of routes) {
        const res = await ctx.http.get(`${path}?${query}`).set(auth);
        expect([path, res.status, res.body.error?.message]).toEqual([path, 400, message]);
      }
    });

    it('reads the event listing with the same rules (its limit is 1–500)', async () => {
      for (const [query, message] of [
        ['limit=abc', 'limit must be an integer'],
        ['limit=501', 'limit must be between 1 and 500'],
        ['limit=1&limit=2', 'limit must be given only once'],
        ['status=lost', 'status must be one of success, failed, pending'],
        [`entity_id=${'e'.repeat(129)}`, 'entity_id must be 1–128 characters long'],
        ['entity_id=a%00b', 'entity_id must contain only printable characters'],
        [
          'occurred_from=yesterday',
          'occurred_from must be an RFC 3339 timestamp with an offset (2026-11-28T09:30:00Z) or a day (2026-11-28)',
        ],
        // A day there is read like a day of a report run, with the same bounds and messages.
        [
          'occurred_from=2026-02-30',
          'occurred_from must be a real calendar date (2026-02-30 does not exist)',
        ],
        ['occurred_to=0000-01-01', 'occurred_to must be between 2000-01-01 and 2999-12-31'],
      ]) {
        const res = await ctx.http.get(`/api/v1/events?${query}`).set(AUTH);
        expect([query, res.status, res.body.error?.message]).toEqual([query, 400, message]);
      }
    });

    it('reads days with the same bounds and messages in report runs and recomputes', async () => {
      for (const [day, message] of [
        ['1999-12-31', 'date_from must be between 2000-01-01 and 2999-12-31'],
        ['3000-01-01', 'date_from must be between 2000-01-01 and 2999-12-31'],
        ['2026-02-30', 'date_from must be a real calendar date (2026-02-30 does not exist)'],
        ['2026-2-3', 'date_from must be a date in YYYY-MM-DD format'],
      ]) {
        const run = await ctx.http.get(
          `/api/v1/reports/status-counts/run?date_from=${day}&date_to=2026-03-01`,
        );
        const recompute = await trigger({ ...valid, date_from: day });
        expect([run.status, run.body.error.message]).toEqual([400, message]);
        expect([recompute.status, recompute.body.error.message]).toEqual([400, message]);
      }
    });

    it('accepts the first and the last day', async () => {
      await ctx.http
        .get('/api/v1/reports/top-entities/run?date_from=2000-01-01&date_to=2000-12-31')
        .expect(200);
      await ctx.http
        .get('/api/v1/reports/top-entities/run?date_from=2999-01-01&date_to=2999-12-31')
        .expect(200);
    });
  });

  describe(`error.details holds at most ${MAX_ERROR_DETAILS} entries`, () => {
    const many = Array.from({ length: 1500 }, (_, i) => `u${i}=1`).join('&');

    it.each(QUERY_ROUTES)('%s with 1,500 unknown parameters', async (path, auth) => {
      const res = await ctx.http.get(`${path}?${many}`).set(auth).expect(400);
      const { details, message } = res.body.error;
      expect(details).toHaveLength(MAX_ERROR_DETAILS);
      expect(details.map((detail: { parameter: string }) => detail.parameter)).toEqual(
        Array.from({ length: MAX_ERROR_DETAILS }, (_, i) => `u${i}`),
      );
      const shown = details.map((detail: { message: string }) => detail.message).join('; ');
      expect(message).toBe(`${shown}; and ${1500 - MAX_ERROR_DETAILS} more`);
      expect(res.text.length).toBeLessThan(8_000);
    });

    it('a body with 1,500 unknown fields, and names of 10,000 characters cut short', async () => {
      const body: Record<string, unknown> = { ...valid };
      body['n'.repeat(10_000)] = 0;
      for (let i = 1; i < 1500; i += 1) body[`field${i}`] = i;
      const res = await ctx.http
        .post(RUNS)
        .set(AUTH)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body))
        .expect(400);
      const { details, message } = res.body.error;
      expect(details).toHaveLength(MAX_ERROR_DETAILS);
      expect(details[0]).toEqual({
        parameter: `${'n'.repeat(64)}…`,
        message: `${'n'.repeat(64)}… is not a known field (allowed: ${BODY_FIELDS})`,
      });
      expect(message).toMatch(new RegExp(`; and ${1500 - MAX_ERROR_DETAILS} more$`));
      expect(res.text.length).toBeLessThan(10_000);
    });
  });
});
