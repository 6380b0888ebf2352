import { MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import { AUTH, waitForStatus } from '../support/recompute.js';

describe('GET /api/v1/audit-entries', () => {
  const ctx = useTestApp('migrated');
  const total = 30;

  beforeAll(async () => {
    // 30 entries: three actors, two actions, one second apart; two share a timestamp.
    await ctx.db.sql.query(`
      INSERT INTO audit_entries (actor, action, resource_type, resource_id, metadata, created_at)
      SELECT (ARRAY['alice', 'bob', 'carol'])[i % 3 + 1],
             CASE WHEN i % 2 = 0 THEN 'report.exported' ELSE 'cache.flushed' END,
             'report', 'r-' || i, jsonb_build_object('i', i),
             timestamptz '2026-01-01T00:00:00Z'
               + make_interval(secs => CASE WHEN i = 30 THEN 29 ELSE i END)
        FROM generate_series(1, 30) AS i`);
  });

  const list = (query = '') => ctx.http.get(`/api/v1/audit-entries${query}`).set(AUTH);

  it('lists entries newest first (ties by id), 20 by default, with the total', async () => {
    const res = await list().expect(200);
    expect(res.body.meta).toEqual({ pagination: { limit: 20, offset: 0, total } });
    expect(res.body.data).toHaveLength(20);
    expect(res.body.data[0]).toEqual({
      id: 30,
      actor: 'alice',
      action: 'report.exported',
      resource_type: 'report',
      resource_id: 'r-30',
      metadata: { i: 30 },
      created_at: '2026-01-01T00:00:29.000Z',
    });
    // i = 29 and i = 30 share a timestamp: the higher id comes first.
    expect(res.body.data.slice(0, 3).map((entry: { id: number }) => entry.id)).toEqual([
      30, 29, 28,
    ]);
    const { rows } = await ctx.db.sql.query(
      `SELECT id::int FROM audit_entries ORDER BY created_at DESC, id DESC`,
    );
    const all = await list('?limit=100').expect(200);
    expect(all.body.data.map((entry: { id: number }) => entry.id)).toEqual(
      rows.map((row) => row.id),
    );
  });

  it('pages with limit and offset without overlap', async () => {
    const ids: number[] = [];
    for (let offset = 0; offset < total; offset += 7) {
      const res = await list(`?limit=7&offset=${offset}`).expect(200);
      expect(res.body.meta.pagination).toEqual({ limit: 7, offset, total });
      ids.push(...res.body.data.map((entry: { id: number }) => entry.id));
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    const beyond = await list('?offset=500').expect(200);
    expect(beyond.body).toEqual({
      data: [],
      meta: { pagination: { limit: 20, offset: 500, total } },
    });
  });

  it('filters by exact action and actor, alone and together', async () => {
    const byAction = await list('?action=cache.flushed&limit=100').expect(200);
    expect(byAction.body.meta.pagination.total).toBe(15);
    expect(new Set(byAction.body.data.map((entry: { action: string }) => entry.action))).toEqual(
      new Set(['cache.flushed']),
    );
    const byActor = await list('?actor=bob&limit=100').expect(200);
    expect(byActor.body.meta.pagination.total).toBe(10);
    const both = await list('?actor=bob&action=report.exported').expect(200);
    expect(both.body.data.map((entry: { resource_id: string }) => entry.resource_id)).toEqual([
      'r-28',
      'r-22',
      'r-16',
      'r-10',
      'r-4',
    ]);
    // Exact, case-sensitive matches only: no prefixes, no patterns.
    for (const query of ['?actor=Bob', '?actor=bo', '?action=cache.%25', '?action=cache']) {
      const res = await list(query).expect(200);
      expect(res.body.meta.pagination.total).toBe(0);
    }
  });

  it('records management actions without the key', async () => {
    const res = await ctx.http
      .post('/api/v1/recomputations')
      .set({ Authorization: `Bearer ${MANAGEMENT_KEY}`, 'X-Actor': 'dave' })
      .send({
        report_slug: 'status-counts',
        window: 'week',
        date_from: '2026-01-05',
        date_to: '2026-01-11',
      })
      .expect(202);
    await waitForStatus(ctx.db.sql, res.body.data.id, ['completed']);
    const triggered = await list('?action=recompute.triggered&actor=dave').expect(200);
    expect(triggered.body.data).toEqual([
      expect.objectContaining({
        actor: 'dave',
        action: 'recompute.triggered',
        resource_type: 'recompute_run',
        resource_id: res.body.data.id,
        metadata: {
          report_slug: 'status-counts',
          window: 'week',
          date_from: '2026-01-05',
          date_to: '2026-01-11',
        },
      }),
    ]);
    const outcome = await list('?actor=recompute-worker').expect(200);
    expect(outcome.body.data[0]).toMatchObject({
      action: 'recompute.completed',
      resource_id: res.body.data.id,
      metadata: { summary: { rows_deleted: 0, rows_inserted: 0, bucket_count: 1 } },
    });
    const { rows } = await ctx.db.sql.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE metadata::text LIKE $1`,
      [`%${MANAGEMENT_KEY}%`],
    );
    expect(rows[0].n).toBe(0);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=-5', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['offset=abc', 'offset'],
    ['action=', 'action'],
    ['actor=', 'actor'],
    ['actor=%00', 'actor'],
    ['action=a%00b', 'action'],
    [`actor=${'x'.repeat(201)}`, 'actor'],
    ['action=a&action=b', 'action'],
    ['resource_type=report', 'resource_type'],
  ])('answers 400 naming the parameter for ?%s', async (query, parameter) => {
    const res = await list(`?${query}`).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toContain(parameter);
  });

  it('needs the management key', async () => {
    const res = await ctx.http.get('/api/v1/audit-entries').expect(401);
    expect(res.body.error.code).toBe('unauthorized');
    await ctx.http.get('/api/v1/audit-entries').set({ 'X-Management-Key': 'nope' }).expect(401);
  });
});
