import { useTestApp } from '../support/context.js';

const REFERENCE = {
  'status-counts': {
    slug: 'status-counts',
    name: 'Status Counts',
    description: 'Event counts per processing status, optionally per period.',
    cache_ttl_seconds: 90,
    default_window: 'day',
    allowed_windows: ['day', 'week'],
    supported_filters: ['status'],
    supported_breakdowns: ['status', 'period'],
    created_at: expect.any(String),
    updated_at: expect.any(String),
  },
  'top-entities': {
    slug: 'top-entities',
    name: 'Top Entities',
    description: 'Entities ranked by event count over the range.',
    cache_ttl_seconds: 45,
    default_window: 'day',
    allowed_windows: ['day', 'week'],
    supported_filters: [],
    supported_breakdowns: [],
    created_at: expect.any(String),
    updated_at: expect.any(String),
  },
  'volume-by-period': {
    slug: 'volume-by-period',
    name: 'Volume by Period',
    description: 'Event counts per period, optionally broken down or filtered by event source.',
    cache_ttl_seconds: 120,
    default_window: 'day',
    allowed_windows: ['day', 'week'],
    supported_filters: ['source'],
    supported_breakdowns: ['period', 'source'],
    created_at: expect.any(String),
    updated_at: expect.any(String),
  },
};

describe('GET /api/v1/reports (catalog) and /api/v1/reports/{slug}', () => {
  const ctx = useTestApp('migrated');

  beforeAll(async () => {
    // Two more public definitions (one without windows) and a private one.
    await ctx.db.sql.query(`
      INSERT INTO report_definitions
        (slug, name, description, cache_ttl_seconds, default_window, is_public, supported_filters,
         updated_at)
      VALUES
        ('a-weekly-digest', 'Weekly Digest', 'x', 600, 'week', true, '[]', now() + interval '1 day'),
        ('entity-status', 'entity 100% status_mix', 'x', 0, 'day', true, '[]', now() - interval '1 day'),
        ('internal-costs', 'Internal Costs', 'x', 30, 'day', false, '[]', now())`);
    await ctx.db.sql.query(`
      INSERT INTO aggregate_windows (report_slug, window_name, retention_days, refresh_interval_minutes)
      VALUES ('a-weekly-digest', 'week', 30, 60), ('internal-costs', 'day', 30, 60)`);
  });

  const slugs = async (query: string) => {
    const res = await ctx.http.get(`/api/v1/reports${query}`).expect(200);
    return res.body.data.map((item: { slug: string }) => item.slug);
  };

  it('lists the public definitions by name, with pagination meta', async () => {
    const res = await ctx.http.get('/api/v1/reports').expect(200);
    expect(res.body.meta).toEqual({ pagination: { limit: 20, offset: 0, total: 5 } });
    expect(res.body.data.map((item: { name: string }) => item.name)).toEqual([
      'Status Counts',
      'Top Entities',
      'Volume by Period',
      'Weekly Digest',
      'entity 100% status_mix',
    ]);
    expect(res.body.data[0]).toEqual(REFERENCE['status-counts']);
    const digest = res.body.data.find((item: { slug: string }) => item.slug === 'a-weekly-digest');
    expect(digest).toMatchObject({ allowed_windows: ['week'], supported_breakdowns: [] });
  });

  it('never lists or shows a private definition', async () => {
    expect(await slugs('?search=internal')).toEqual([]);
    await ctx.http.get('/api/v1/reports/internal-costs').expect(404);
    await ctx.http.get('/api/v1/reports/internal-costs/run').expect(404);
  });

  it('searches slug and name, case-insensitively, with wildcards taken literally', async () => {
    expect(await slugs('?search=STATUS')).toEqual(['status-counts', 'entity-status']);
    expect(await slugs('?search=by%20per')).toEqual(['volume-by-period']);
    expect(await slugs('?search=%25')).toEqual(['entity-status']); // "%"
    expect(await slugs('?search=_')).toEqual(['entity-status']);
    expect(await slugs('?search=digest')).toEqual(['a-weekly-digest']);
    expect(await slugs(`?search=${encodeURIComponent("' OR 1=1 --")}`)).toEqual([]);
    expect(await slugs('?search=')).toHaveLength(5);
    const res = await ctx.http.get('/api/v1/reports?search=entit').expect(200);
    expect(res.body.meta.pagination.total).toBe(2);
  });

  it.each([
    [
      'slug',
      'asc',
      ['a-weekly-digest', 'entity-status', 'status-counts', 'top-entities', 'volume-by-period'],
    ],
    [
      'slug',
      'desc',
      ['volume-by-period', 'top-entities', 'status-counts', 'entity-status', 'a-weekly-digest'],
    ],
    [
      'cache_ttl_seconds',
      'asc',
      ['entity-status', 'top-entities', 'status-counts', 'volume-by-period', 'a-weekly-digest'],
    ],
    [
      'cache_ttl_seconds',
      'desc',
      ['a-weekly-digest', 'volume-by-period', 'status-counts', 'top-entities', 'entity-status'],
    ],
    [
      'updated_at',
      'asc',
      ['entity-status', 'status-counts', 'top-entities', 'volume-by-period', 'a-weekly-digest'],
    ],
    [
      'updated_at',
      'desc',
      ['a-weekly-digest', 'status-counts', 'top-entities', 'volume-by-period', 'entity-status'],
    ],
    [
      'name',
      'desc',
      ['entity-status', 'a-weekly-digest', 'volume-by-period', 'top-entities', 'status-counts'],
    ],
  ])('sorts by %s %s (ties by slug)', async (sort, order, expected) => {
    expect(await slugs(`?sort=${sort}&order=${order}`)).toEqual(expected);
  });

  it('pages through the catalog', async () => {
    const all = await slugs('?sort=slug');
    const pages = [];
    for (let offset = 0; offset < 5; offset += 2) {
      const res = await ctx.http
        .get(`/api/v1/reports?sort=slug&limit=2&offset=${offset}`)
        .expect(200);
      expect(res.body.meta.pagination).toEqual({ limit: 2, offset, total: 5 });
      pages.push(...res.body.data.map((item: { slug: string }) => item.slug));
    }
    expect(pages).toEqual(all);
    const past = await ctx.http.get('/api/v1/reports?offset=10').expect(200);
    expect(past.body).toEqual({
      data: [],
      meta: { pagination: { limit: 20, offset: 10, total: 5 } },
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=', 'offset'],
    ['sort=id', 'sort'],
    ['sort=name%20desc', 'sort'],
    ['order=ASC', 'order'],
    ['search=%00', 'search'],
    [`search=${'x'.repeat(101)}`, 'search'],
    ['page=2', 'page'],
  ])('rejects ?%s naming %s', async (query, parameter) => {
    const res = await ctx.http.get(`/api/v1/reports?${query}`).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toContain(parameter);
    expect(res.body.error.details).toEqual([{ parameter, message: res.body.error.message }]);
  });

  it('shows one definition with allowed_windows day first', async () => {
    for (const [slug, expected] of Object.entries(REFERENCE)) {
      const res = await ctx.http.get(`/api/v1/reports/${slug}`).expect(200);
      expect(res.body).toEqual({ data: expected, meta: {} });
    }
    // Windows inserted week first still come back day first.
    await ctx.db.sql.query(`DELETE FROM aggregate_windows WHERE report_slug = 'entity-status'`);
    await ctx.db.sql.query(`
      INSERT INTO aggregate_windows (report_slug, window_name, retention_days, refresh_interval_minutes)
      VALUES ('entity-status', 'week', 30, 60), ('entity-status', 'day', 30, 60)`);
    const res = await ctx.http.get('/api/v1/reports/entity-status').expect(200);
    expect(res.body.data.allowed_windows).toEqual(['day', 'week']);
  });

  it.each([
    '/api/v1/reports/no-such-report',
    '/api/v1/reports/STATUS-COUNTS',
    '/api/v1/reports/%00',
    `/api/v1/reports/${'x'.repeat(100)}`,
    '/api/v1/reports/no-such-report/run',
    '/api/v1/reports/%00/run',
    '/api/v1/reports/internal-costs/run',
    '/api/v1/reports/entity-status/run', // public, but the service cannot run it
  ])('answers 404 not_found for %s', async (path) => {
    const res = await ctx.http.get(path).expect(404);
    expect(res.body).toEqual({
      error: {
        code: 'not_found',
        message: expect.stringMatching(/^report not found: /),
        details: [],
        request_id: expect.any(String),
      },
    });
  });

  it('answers URLs the router rejects in the envelope', async () => {
    const long = await ctx.http.get(`/api/v1/reports/${'x'.repeat(300)}/run`).expect(404);
    expect(long.body.error).toMatchObject({ code: 'not_found' });
    for (const path of ['/api/v1/reports/%E0%A4%A/run', '/api/v1/reports/%ED%A0%80']) {
      const bad = await ctx.http.get(path).expect(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('rejects query parameters on a definition', async () => {
    const res = await ctx.http.get('/api/v1/reports/status-counts?window=day').expect(400);
    expect(res.body.error.message).toBe('window is not a known query parameter (allowed: none)');
  });
});

describe('report routes while PostgreSQL is unreachable', () => {
  const ctx = useTestApp('migrated');

  it('answer 503 service_unavailable, never 500', async () => {
    await ctx.http.get('/api/v1/reports/status-counts/run').expect(200);
    await ctx.db.drop();
    for (const path of [
      '/api/v1/reports',
      '/api/v1/reports/status-counts',
      '/api/v1/reports/status-counts/run',
      '/api/v1/reports/status-counts/run?window=week',
    ]) {
      const res = await ctx.http.get(path);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 503,
        body: {
          error: {
            code: 'service_unavailable',
            message: 'the database is unavailable; try again later',
            details: [],
            request_id: expect.any(String),
          },
        },
      });
    }
  });
});
