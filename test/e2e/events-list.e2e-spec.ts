import { useTestApp } from '../support/context.js';
import { INGEST_AUTH, newEvent } from '../support/events.js';
import { AUTH } from '../support/recompute.js';
import { addDays, today } from '../support/reports.js';

/** A day well inside the demo data (its events span the last 90 days), and the day after. */
const DAY = addDays(today(), -30);
const NEXT_DAY = addDays(DAY, 1);

interface Listed {
  id: number;
  external_ref: string;
  occurred_at: string;
}

describe('GET /api/v1/events', () => {
  const ctx = useTestApp('demo');

  const list = (query: string) => ctx.http.get(`/api/v1/events${query}`).set(AUTH);

  /** Every page of a listing, following next_cursor. */
  async function allPages(query: string, limit: number): Promise<Listed[]> {
    const rows: Listed[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page += 1) {
      const sep = query ? '&' : '';
      const url: string = `?${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await list(url).expect(200);
      expect(res.body.meta.limit).toBe(limit);
      expect(res.body.data.length).toBeLessThanOrEqual(limit);
      rows.push(...res.body.data);
      cursor = res.body.meta.next_cursor;
      if (cursor === null) return rows;
      expect(res.body.data).toHaveLength(limit);
    }
    throw new Error('too many pages');
  }

  /** SQL truth: ids in listing order for a WHERE clause over e (events) and s (sources). */
  async function truth(where: string, params: unknown[] = []): Promise<number[]> {
    const { rows } = await ctx.db.sql.query(
      `SELECT e.id::int FROM analytics_events e JOIN event_sources s ON s.id = e.source_id
        WHERE ${where} ORDER BY e.occurred_at DESC, e.id DESC`,
      params,
    );
    return rows.map((row) => row.id);
  }

  beforeAll(async () => {
    // Two events at the same instant (the id breaks the tie) and one with microseconds.
    const events = [
      newEvent(1, { occurred_at: `${DAY}T12:00:00Z`, entity_id: 'tie' }),
      newEvent(2, { occurred_at: `${DAY}T12:00:00Z`, entity_id: 'tie' }),
      newEvent(3, { occurred_at: `${DAY}T12:00:00.000001Z`, entity_id: 'tie' }),
    ];
    await ctx.http.post('/api/v1/events').set(INGEST_AUTH).send({ events }).expect(200);
  });

  it('lists the newest 100 first, with the fields of an event', async () => {
    const res = await list('').expect(200);
    expect(res.body.data).toHaveLength(100);
    expect(res.body.meta).toEqual({ limit: 100, next_cursor: expect.any(String) });
    const ids = (await truth('true')).slice(0, 100);
    expect(res.body.data.map((row: Listed) => row.id)).toEqual(ids);
    const { rows } = await ctx.db.sql.query(
      `SELECT e.id::int, e.external_ref, s.slug AS source, e.entity_id, e.status, e.processing_ms,
              e.amount_cents, e.payload, e.created_at,
              to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
         FROM analytics_events e JOIN event_sources s ON s.id = e.source_id WHERE e.id = $1`,
      [ids[0]],
    );
    expect(res.body.data[0]).toEqual({ ...rows[0], created_at: rows[0].created_at.toISOString() });
  });

  it('pages through everything in order with the cursor, ties broken by id', async () => {
    const rows = await allPages('entity_id=tie', 2);
    expect(rows.map((row) => row.external_ref)).toEqual(['t-3', 't-2', 't-1']);
    expect(rows[0].occurred_at).toBe(`${DAY}T12:00:00.000001Z`);
    const all = await allPages('source=adyen', 500);
    expect(all.map((row) => row.id)).toEqual(await truth(`s.slug = 'adyen'`));
  });

  it.each([
    ['status=failed', `e.status = 'failed'`],
    ['entity_id=entity-7', `e.entity_id = 'entity-7'`],
    ['external_ref=evt-42', `e.external_ref = 'evt-42'`],
    ['source=stripe&status=pending', `s.slug = 'stripe' AND e.status = 'pending'`],
  ])('filters exactly: %s', async (query, where) => {
    const rows = await allPages(query, 500);
    expect(rows.map((row) => row.id)).toEqual(await truth(where));
  });

  it('bounds occurred_at by timestamps (inclusive) and by whole UTC days', async () => {
    const exact = await allPages(
      `entity_id=tie&occurred_from=${DAY}T12:00:00Z&occurred_to=${DAY}T14:00:00%2B02:00`,
      500,
    );
    expect(exact.map((row) => row.external_ref).sort()).toEqual(['t-1', 't-2']);
    const day = await allPages(`occurred_from=${DAY}&occurred_to=${DAY}`, 500);
    expect(day.map((row) => row.id)).toEqual(
      await truth(
        `e.occurred_at >= '${DAY}T00:00:00Z' AND e.occurred_at < '${NEXT_DAY}T00:00:00Z'`,
      ),
    );
    expect(day.length).toBeGreaterThan(3);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['status=lost', 'status'],
    ['occurred_from=yesterday', 'occurred_from'],
    [`occurred_to=${DAY}T12:00:00`, 'occurred_to'],
    ['occurred_to=2026-02-30', 'occurred_to'],
    [`occurred_from=${NEXT_DAY}&occurred_to=${DAY}`, 'occurred_to'],
    [`occurred_from=${DAY}T12:00:00Z&occurred_to=${DAY}T13:59:59%2B02:00`, 'occurred_to'],
    ['occurred_from=0000-01-01', 'occurred_from'],
    ['occurred_from=1999-12-31', 'occurred_from'],
    ['occurred_to=0000-01-01T00:00:00Z', 'occurred_to'],
    ['occurred_to=3000-01-01T00:00:00Z', 'occurred_to'],
    ['occurred_from=9999-12-31T23:59:59-23:59', 'occurred_from'],
    ['occurred_from=9999-12-31T23:59:59-15:59', 'occurred_from'],
    ['occurred_to=2026-11-28T10:00:00%2B16:00', 'occurred_to'],
    ['occurred_to=2026-11-28T10:00:00-16:00', 'occurred_to'],
    ['occurred_from=2026-11-28T10:00:00%2B23:59', 'occurred_from'],
    ['cursor=not-a-cursor', 'cursor'],
    ...[
      '2026-02-30T00:00:00.000000Z|5',
      '2026-11-31T00:00:00.000000Z|5',
      '2025-02-29T12:00:00.000000Z|5',
      '0000-01-01T00:00:00.000000Z|5',
      '2026-11-28T24:00:00.000000Z|5',
      '2026-11-28T23:59:60.000000Z|5',
    ].map((text) => [`cursor=${Buffer.from(text).toString('base64url')}`, 'cursor']),
    [`cursor=${Buffer.from(`${DAY}T12:00:00Z|1`).toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('x|y').toString('base64url')}`, 'cursor'],
    ['entity_id=%00', 'entity_id'],
    ['offset=10', 'offset'],
  ])('answers 400 naming the parameter for %s', async (query, parameter) => {
    const res = await list(`?${query}`).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toContain(`${parameter} `);
    expect(res.body.error.details.map((d: { parameter: string }) => d.parameter)).toContain(
      parameter,
    );
  });

  it.each([
    [
      'occurred_from=2026-11-28T10:00:00%2B16:00',
      'must have a UTC offset between -15:59 and +15:59',
    ],
    ['occurred_to=9999-12-31T23:59:59-23:59', 'must have a UTC offset between -15:59 and +15:59'],
    ['occurred_from=0000-01-01', 'must be between 2000-01-01 and 2999-12-31'],
    ['occurred_to=1999-12-31T23:59:59.999999Z', 'must not be before 2000-01-01 (UTC)'],
    ['occurred_to=9999-12-31T23:59:59-15:59', 'must not be later than 2999-12-31 (UTC)'],
  ])('says what is wrong with %s', async (query, reason) => {
    const parameter = query.slice(0, query.indexOf('='));
    const res = await list(`?${query}`).expect(400);
    expect(res.body.error.details).toEqual([{ parameter, message: `${parameter} ${reason}` }]);
  });

  it('takes the first and last instants and the widest offsets', async () => {
    for (const query of [
      'occurred_from=2000-01-01&occurred_to=2999-12-31',
      'occurred_from=2000-01-01T00:00:00Z&occurred_to=2999-12-31T23:59:59.999999Z',
      'occurred_from=2000-01-01T15:59:00%2B15:59&occurred_to=2999-12-31T08:00:00-15:59',
    ]) {
      const res = await list(`?${query}&limit=1`).expect(200);
      expect(res.body.data).toHaveLength(1);
    }
    const leapDay = Buffer.from('2024-02-29T23:59:59.999999Z|1').toString('base64url');
    const res = await list(`?cursor=${leapDay}`).expect(200);
    expect(res.body.data).toEqual([]);
  });

  it('finds events stored before blank ids and display controls were refused', async () => {
    const legacy = [' ', 'merchant\u202e7'];
    await ctx.db.sql.query(
      `INSERT INTO analytics_events
         (external_ref, source_id, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT 'legacy-' || n, s.id, ($1::text[])[n], 'success', 1, 1, now() - interval '1 day'
         FROM event_sources s, generate_series(1, 2) AS n WHERE s.slug = 'stripe'`,
      [legacy],
    );
    try {
      for (const [index, entityId] of legacy.entries()) {
        const res = await list(`?entity_id=${encodeURIComponent(entityId)}`).expect(200);
        expect(res.body.data.map((event: { external_ref: string }) => event.external_ref)).toEqual([
          `legacy-${index + 1}`,
        ]);
      }
    } finally {
      await ctx.db.sql.query(`DELETE FROM analytics_events WHERE external_ref LIKE 'legacy-%'`);
    }
  });

  it('needs the management key', async () => {
    await ctx.http.get('/api/v1/events').expect(401);
    await ctx.http.get('/api/v1/events').set(INGEST_AUTH).expect(401);
  });
});
