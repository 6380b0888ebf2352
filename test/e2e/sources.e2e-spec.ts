import { useTestApp } from '../support/context.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { AUTH, waitFor } from '../support/recompute.js';

describe('event sources', () => {
  const ctx = useTestApp('migrated');

  async function audit(action: string) {
    const { rows } = await ctx.db.sql.query(
      `SELECT actor, resource_type, resource_id, metadata FROM audit_entries
        WHERE action = $1 ORDER BY id`,
      [action],
    );
    return rows;
  }

  it('lists every source publicly, as stored', async () => {
    const res = await ctx.http.get('/api/v1/sources').expect(200);
    const { rows } = await ctx.db.sql.query(
      `SELECT slug, provider_name, description, is_active, created_at FROM event_sources
        ORDER BY slug COLLATE "C"`,
    );
    expect(res.body).toEqual({
      data: rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() })),
      meta: {},
    });
    expect(res.body.data.map((s: { slug: string }) => s.slug)).toEqual([
      'adyen',
      'paypal',
      'stripe',
    ]);
  });

  it('creates a source (201, audited); the slug is then taken (409)', async () => {
    const res = await ctx.http
      .post('/api/v1/sources')
      .set({ ...AUTH, 'X-Actor': 'ops@tally' })
      .send({ slug: 'mollie', provider_name: 'Mollie', description: 'Mollie payment events' })
      .expect(201);
    expect(res.body.data).toEqual({
      slug: 'mollie',
      provider_name: 'Mollie',
      description: 'Mollie payment events',
      is_active: true,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(await audit('source.created')).toEqual([
      {
        actor: 'ops@tally',
        resource_type: 'event_source',
        resource_id: 'mollie',
        metadata: {
          provider_name: 'Mollie',
          description: 'Mollie payment events',
          is_active: true,
        },
      },
    ]);
    const again = await ctx.http
      .post('/api/v1/sources')
      .set(AUTH)
      .send({ slug: 'mollie', provider_name: 'Other' })
      .expect(409);
    expect(again.body.error).toEqual({
      code: 'conflict',
      message: 'event source already exists: mollie',
      details: [],
      request_id: expect.any(String),
    });
    // A new source takes events at once, and its slug is a valid report filter.
    await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(1, { source: 'mollie' })] })
      .expect(200);
    await waitFor('the source filter to know mollie', async () => {
      const run = await ctx.http.get('/api/v1/reports/volume-by-period/run?source=mollie');
      return run.status === 200 ? run : undefined;
    });
  });

  it('changes a source: deactivated it refuses events but stays a report filter', async () => {
    await ctx.http
      .post('/api/v1/sources')
      .set(AUTH)
      .send({ slug: 'klarna', provider_name: 'K' })
      .expect(201);
    const res = await ctx.http
      .patch('/api/v1/sources/klarna')
      .set(AUTH)
      .send({ provider_name: 'Klarna', is_active: false })
      .expect(200);
    expect(res.body.data).toMatchObject({
      slug: 'klarna',
      provider_name: 'Klarna',
      is_active: false,
    });
    expect((await audit('source.updated')).at(-1)).toEqual({
      actor: 'management-api',
      resource_type: 'event_source',
      resource_id: 'klarna',
      metadata: {
        changes: {
          provider_name: { from: 'K', to: 'Klarna' },
          is_active: { from: true, to: false },
        },
      },
    });
    const refused = await ctx.http
      .post('/api/v1/events')
      .set(INGEST_AUTH)
      .send({ events: [newEvent(2, { source: 'klarna' })] })
      .expect(400);
    expect(refused.body.error.details[0].parameter).toBe('events[0].source');
    await waitFor('the source filter to know klarna', async () => {
      const run = await ctx.http.get('/api/v1/reports/volume-by-period/run?source=klarna');
      return run.status === 200 ? run : undefined;
    });
  });

  it.each([
    ['a bad slug', { slug: 'Not A Slug', provider_name: 'x' }, 'slug'],
    ['a slug too long', { slug: 'a'.repeat(65), provider_name: 'x' }, 'slug'],
    ['no provider_name', { slug: 'nope' }, 'provider_name'],
    ['an empty provider_name', { slug: 'nope', provider_name: '' }, 'provider_name'],
    ['a blank provider_name', { slug: 'nope', provider_name: ' \t ' }, 'provider_name'],
    ['a null description', { slug: 'nope', provider_name: 'x', description: null }, 'description'],
    ['a NUL in a name', { slug: 'nope', provider_name: 'a\u0000b' }, 'provider_name'],
    ['an unknown field', { slug: 'nope', provider_name: 'x', region: 'eu' }, 'region'],
  ])('refuses to create with %s (400 naming it)', async (_name, body, parameter) => {
    const res = await ctx.http.post('/api/v1/sources').set(AUTH).send(body).expect(400);
    expect(res.body.error.details.map((d: { parameter: string }) => d.parameter)).toContain(
      parameter,
    );
    const { rows } = await ctx.db.sql.query(`SELECT 1 FROM event_sources WHERE slug = 'nope'`);
    expect(rows).toHaveLength(0);
  });

  it.each([
    ['nothing to change', {}, 'body'],
    ['is_active as a string', { is_active: 'no' }, 'is_active'],
    ['a null provider_name', { provider_name: null }, 'provider_name'],
    ['a blank provider_name', { provider_name: '   ' }, 'provider_name'],
    ['an unknown field', { slug: 'renamed' }, 'slug'],
  ])('refuses to change with %s (400 naming it)', async (_name, body, parameter) => {
    const res = await ctx.http.patch('/api/v1/sources/stripe').set(AUTH).send(body).expect(400);
    expect(res.body.error.details.map((d: { parameter: string }) => d.parameter)).toContain(
      parameter,
    );
  });

  it('answers 404 for an unknown or impossible slug', async () => {
    for (const slug of ['nope', 'NOPE', '%00', 'a'.repeat(90)]) {
      const res = await ctx.http
        .patch(`/api/v1/sources/${slug}`)
        .set(AUTH)
        .send({ is_active: false })
        .expect(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('needs the management key to change the catalog', async () => {
    await ctx.http.post('/api/v1/sources').send({ slug: 'x', provider_name: 'x' }).expect(401);
    await ctx.http.patch('/api/v1/sources/stripe').send({ is_active: false }).expect(401);
    await ctx.http
      .patch('/api/v1/sources/stripe')
      .set(INGEST_AUTH)
      .send({ is_active: false })
      .expect(401);
  });
});
