import { MANAGEMENT_KEY, startApp, type TestApp } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import {
  eventCount,
  INGEST_AUTH,
  newEvent,
  newEvents,
  storedEvents,
  type ApiEvent,
} from '../support/events.js';
import { AUTH } from '../support/recompute.js';

describe('POST /api/v1/events', () => {
  const ctx = useTestApp('migrated');

  const ingest = (body: unknown, headers: Record<string, string> = INGEST_AUTH) =>
    ctx.http
      .post('/api/v1/events')
      .set(headers)
      .send(body as object);

  async function auditEntries(action = 'events.ingested') {
    const { rows } = await ctx.db.sql.query(
      `SELECT actor, metadata FROM audit_entries WHERE action = $1 ORDER BY id`,
      [action],
    );
    return rows;
  }

  describe('storing a batch', () => {
    beforeAll(() => ctx.db.sql.query('TRUNCATE analytics_events, audit_entries'));

    it('stores every event of a valid batch exactly as sent, with one audit entry', async () => {
      const events = newEvents(50).map((event, i) => ({
        ...event,
        external_ref: `store-${String(i).padStart(3, '0')}`,
      }));
      const res = await ingest({ events }, { ...INGEST_AUTH, 'X-Actor': 'feeder-7' }).expect(200);
      expect(res.body).toEqual({ data: { accepted: 50, duplicates: 0, conflicts: [] }, meta: {} });
      const stored = await storedEvents(ctx.db.sql, 'store-');
      expect(stored).toEqual(events);
      expect(await auditEntries()).toEqual([
        {
          actor: 'feeder-7',
          metadata: { events: 50, accepted: 50, duplicates: 0, conflicts: 0 },
        },
      ]);
    });

    it('counts a batch sent again as duplicates and changes nothing', async () => {
      const events = newEvents(10, 1000);
      await ingest({ events }).expect(200);
      const before = await storedEvents(ctx.db.sql, 't-10');
      const res = await ingest({ events }).expect(200);
      expect(res.body.data).toEqual({ accepted: 0, duplicates: 10, conflicts: [] });
      expect(await storedEvents(ctx.db.sql, 't-10')).toEqual(before);
      expect((await auditEntries()).at(-1)).toEqual({
        actor: 'ingest-api',
        metadata: { events: 10, accepted: 0, duplicates: 10, conflicts: 0 },
      });
    });

    it('reports a stored ref with other content as a conflict and keeps the stored event', async () => {
      await ingest({ events: [newEvent(2000), newEvent(2001)] }).expect(200);
      const before = await storedEvents(ctx.db.sql, 't-200');
      const res = await ingest({
        events: [
          newEvent(2002),
          newEvent(2001),
          newEvent(2000, { amount_cents: 1 }),
          newEvent(2003),
        ],
      }).expect(200);
      expect(res.body.data).toEqual({
        accepted: 2,
        duplicates: 1,
        conflicts: [{ index: 2, external_ref: 't-2000' }],
      });
      const after = await storedEvents(ctx.db.sql, 't-200');
      expect(after.filter((e) => e.external_ref === 't-2000')).toEqual(
        before.filter((e) => e.external_ref === 't-2000'),
      );
      expect(after.map((e) => e.external_ref)).toEqual(['t-2000', 't-2001', 't-2002', 't-2003']);
    });

    it('compares content, not spelling: other offsets and key orders are the same event', async () => {
      const event = newEvent(3000, {
        occurred_at: '2026-10-05T12:00:00.250Z',
        payload: { a: 1, b: { c: [1, 2], d: 'x' } },
      });
      await ingest({ events: [event] }).expect(200);
      const respelled = {
        ...event,
        occurred_at: '2026-10-05T14:30:00.250+02:30',
        payload: { b: { d: 'x', c: [1, 2] }, a: 1 },
      };
      const res = await ingest({ events: [respelled] }).expect(200);
      expect(res.body.data).toEqual({ accepted: 0, duplicates: 1, conflicts: [] });
      // A different instant or payload is another event under the same ref: a conflict.
      const moved = { ...event, occurred_at: '2026-10-05T12:00:00.251Z' };
      const other = { ...event, payload: { a: 1 } };
      const again = await ingest({ events: [moved, other] }).expect(200);
      expect(again.body.data.conflicts).toEqual([
        { index: 0, external_ref: 't-3000' },
        { index: 1, external_ref: 't-3000' },
      ]);
    });

    it('counts a ref repeated inside a batch once; a differing repeat is a conflict', async () => {
      const first = newEvent(4000);
      const res = await ingest({
        events: [first, newEvent(4001), { ...first }, { ...first, amount_cents: 1 }],
      }).expect(200);
      expect(res.body.data).toEqual({
        accepted: 2,
        duplicates: 0,
        conflicts: [{ index: 3, external_ref: 't-4000' }],
      });
      expect(await storedEvents(ctx.db.sql, 't-4000')).toEqual([
        expect.objectContaining({ external_ref: 't-4000', status: first.status }),
      ]);
    });

    it('defaults payload to {} and keeps microseconds of occurred_at', async () => {
      const event = newEvent(5000, { occurred_at: '2026-10-05T12:00:00.123456Z' });
      delete event.payload;
      await ingest({ events: [event] }).expect(200);
      const { rows } = await ctx.db.sql.query(
        `SELECT payload, to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS at
           FROM analytics_events WHERE external_ref = 't-5000'`,
      );
      expect(rows).toEqual([{ payload: {}, at: '12:00:00.123456' }]);
    });

    it('takes offsets up to ±15:59 and payload numbers JSON carries exactly, as sent', async () => {
      const payload = {
        max: Number.MAX_SAFE_INTEGER,
        min: -Number.MAX_SAFE_INTEGER,
        id64: '12345678901234567890',
        f: 0.1,
      };
      const events = [
        newEvent(5100, { occurred_at: '2026-10-01T10:00:00.123456+15:59', payload }),
        newEvent(5101, { occurred_at: '2026-10-01T10:00:00-15:59', payload }),
      ];
      await ingest({ events }).expect(200);
      const { rows } = await ctx.db.sql.query(
        `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
                payload->>'max' AS max, payload->>'min' AS min, payload->>'id64' AS id64,
                payload->>'f' AS f
           FROM analytics_events WHERE external_ref IN ('t-5100', 't-5101') ORDER BY external_ref`,
      );
      const stored = {
        max: '9007199254740991',
        min: '-9007199254740991',
        id64: '12345678901234567890',
        f: '0.1',
      };
      expect(rows).toEqual([
        { at: '2026-09-30T18:01:00.123456', ...stored },
        { at: '2026-10-02T01:59:00.000000', ...stored },
      ]);
    });

    it('takes large payload numbers written with a fraction or an exponent, as sent', async () => {
      const event = newEvent(5200);
      delete event.payload;
      const payload = '{"avogadro":6.02214076e23,"big":1e300,"negative":-2.5E20,"whole":123.0}';
      const body = `{"events":[${JSON.stringify(event).slice(0, -1)},"payload":${payload}}]}`;
      await ingest(body, { ...INGEST_AUTH, 'Content-Type': 'application/json' }).expect(200);
      const { rows } = await ctx.db.sql.query(
        `SELECT (payload->>'avogadro')::numeric = 6.02214076e23 AS avogadro,
                (payload->>'big')::numeric = 1e300 AS big,
                (payload->>'negative')::numeric = -2.5e20 AS negative,
                payload->>'whole' AS whole
           FROM analytics_events WHERE external_ref = 't-5200'`,
      );
      expect(rows).toEqual([{ avogadro: true, big: true, negative: true, whole: '123' }]);
    });

    it('takes a full batch of INGEST_MAX_BATCH events, each with a large payload', async () => {
      const payload = { blob: 'x'.repeat(15 * 1024) };
      const events = newEvents(1000, 10_000, { payload });
      const res = await ingest({ events }).expect(200);
      expect(res.body.data).toEqual({ accepted: 1000, duplicates: 0, conflicts: [] });
    });
  });

  describe('keys', () => {
    const event = () => ({ events: [newEvent(6000 + Math.floor(Math.random() * 1e6))] });

    it('accepts the ingest key (header or bearer) and the management key', async () => {
      await ingest(event(), { 'X-Ingest-Key': 'test-ingest-key' }).expect(200);
      await ingest(event(), { Authorization: 'Bearer test-ingest-key' }).expect(200);
      await ingest(event(), { 'X-Management-Key': MANAGEMENT_KEY }).expect(200);
      await ingest(event(), { Authorization: `Bearer ${MANAGEMENT_KEY}` }).expect(200);
    });

    it.each([
      ['no key', {}],
      ['a wrong key', { 'X-Ingest-Key': 'nope' }],
      ['a wrong bearer token', { Authorization: 'Bearer nope' }],
    ])('refuses %s with 401 and stores nothing', async (_name, headers) => {
      const before = await eventCount(ctx.db.sql);
      const res = await ingest(event(), headers as Record<string, string>).expect(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(await eventCount(ctx.db.sql)).toBe(before);
    });

    it('opens nothing else with the ingest key', async () => {
      for (const headers of [INGEST_AUTH, { Authorization: 'Bearer test-ingest-key' }]) {
        await ctx.http.get('/api/v1/events').set(headers).expect(401);
        await ctx.http.get('/api/v1/audit-entries').set(headers).expect(401);
        await ctx.http.post('/api/v1/sources').set(headers).send({}).expect(401);
        await ctx.http
          .post('/api/v1/recomputations')
          .set(headers)
          .send({
            report_slug: 'status-counts',
            window: 'day',
            date_from: '2026-01-01',
            date_to: '2026-01-02',
          })
          .expect(401);
      }
    });
  });

  describe('bad input: a 400 naming the field, nothing stored', () => {
    let before: number;
    beforeEach(async () => {
      before = await eventCount(ctx.db.sql);
    });
    afterEach(async () => {
      expect(await eventCount(ctx.db.sql)).toBe(before);
    });

    async function rejected(body: unknown, parameter: string, message: RegExp | string) {
      const res = await ingest(body).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toContainEqual({
        parameter,
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      });
      return res.body.error;
    }

    const good = () => newEvent(7000 + Math.floor(Math.random() * 1e6));
    const withField = (field: string, value: unknown) => ({
      events: [good(), { ...good(), [field]: value }],
    });

    it.each([
      ['an empty batch', { events: [] }, 'events', 'events must hold 1 to 1000 events (got 0)'],
      [
        '1001 events',
        { events: newEvents(1001, 50_000) },
        'events',
        'events must hold 1 to 1000 events (got 1001)',
      ],
      ['no events', {}, 'events', 'events is required'],
      ['events: null', { events: null }, 'events', 'events is required'],
      ['events as an object', { events: { a: 1 } }, 'events', 'events must be an array of events'],
      [
        'an unknown top-level field',
        { events: [newEvent(1)], dry_run: true },
        'dry_run',
        /dry_run is not a known field/,
      ],
      [
        'a nested array instead of an event',
        { events: [[newEvent(1)]] },
        'events[0]',
        'events[0] must be a JSON object',
      ],
      [
        'null instead of an event',
        { events: [null] },
        'events[0]',
        'events[0] must be a JSON object',
      ],
      [
        'a string instead of an event',
        { events: ['evt'] },
        'events[0]',
        'events[0] must be a JSON object',
      ],
    ])('%s', async (_name, body, parameter, message) => {
      await rejected(body, parameter, message);
    });

    it('a JSON array as the body', async () => {
      await rejected([newEvent(1)], 'body', /must be a JSON object/);
    });

    it.each([
      ['source', 'nope', /events\[1\]\.source must be the slug of an active event source/],
      ['source', 42, 'events[1].source must be a string'],
      [
        'occurred_at',
        '2026-10-01T10:00:00',
        /events\[1\]\.occurred_at must be an RFC 3339 timestamp with an offset/,
      ],
      ['occurred_at', '2026-10-01', /with an offset/],
      [
        'occurred_at',
        '2999-01-01T00:00:00Z',
        'events[1].occurred_at must not be later than 5 minutes from now',
      ],
      [
        'occurred_at',
        '1999-12-31T23:59:59Z',
        'events[1].occurred_at must not be before 2000-01-01',
      ],
      ['occurred_at', '2026-02-30T00:00:00Z', /RFC 3339/],
      ['occurred_at', 1764322200000, 'events[1].occurred_at must be a string'],
      ['processing_ms', 1.5, 'events[1].processing_ms must be an integer'],
      ['processing_ms', '100', 'events[1].processing_ms must be an integer'],
      ['processing_ms', -1, 'events[1].processing_ms must be between 0 and 86400000'],
      ['processing_ms', 86_400_001, 'events[1].processing_ms must be between 0 and 86400000'],
      ['amount_cents', 2_147_483_648, 'events[1].amount_cents must be between 0 and 2147483647'],
      ['amount_cents', null, 'events[1].amount_cents is required'],
      ['amount_cents', true, 'events[1].amount_cents must be an integer'],
      ['status', 'ok', 'events[1].status must be one of success, failed, pending'],
      ['external_ref', '', 'events[1].external_ref must not be empty'],
      ['external_ref', 'r'.repeat(129), 'events[1].external_ref must be 1–128 characters long'],
      [
        'external_ref',
        'nul\u0000ref',
        'events[1].external_ref must contain only printable characters',
      ],
      ['external_ref', ['a'], 'events[1].external_ref must be a string'],
      ['entity_id', 'line\nbreak', 'events[1].entity_id must contain only printable characters'],
      ['entity_id', ' \u00a0 ', 'events[1].entity_id must not be blank'],
      [
        'external_ref',
        'evt-\u202e1-tve',
        'events[1].external_ref must contain only printable characters',
      ],
      ['payload', [1, 2], 'events[1].payload must be a JSON object'],
      ['payload', null, 'events[1].payload must be a JSON object'],
      ['payload', 'text', 'events[1].payload must be a JSON object'],
      [
        'payload',
        { note: 'nul \u0000 inside' },
        'events[1].payload must not contain NUL characters or unpaired surrogates',
      ],
      [
        'payload',
        { ['key\u0000']: 1 },
        'events[1].payload must not contain NUL characters or unpaired surrogates',
      ],
      ['priority', 'high', /events\[1\]\.priority is not a known field/],
      ['constructor', 'x', /events\[1\]\.constructor is not a known field/],
      ['toString', 'x', /events\[1\]\.toString is not a known field/],
    ])('%s = %p', async (field, value, message) => {
      await rejected(withField(field, value), `events[1].${field}`, message);
    });

    it.each(['+16:00', '-16:00', '+18:00', '-23:59', '+23:59', '+99:00'])(
      'an occurred_at offset of %s (PostgreSQL takes ±15:59 at most)',
      async (offset) => {
        const parameter = 'events[1].occurred_at';
        const message = `${parameter} must have a UTC offset between -15:59 and +15:59`;
        const at = `2026-10-01T10:00:00${offset}`;
        const error = await rejected(withField('occurred_at', at), parameter, message);
        expect(error.message).toContain(parameter);
      },
    );

    /** A batch of a good event and one whose payload is `payload`, as JSON text sent as is. */
    const withPayloadText = (payload: string) => {
      const event = good();
      delete event.payload;
      const bad = `${JSON.stringify(event).slice(0, -1)},"payload":${payload}}`;
      return `{"events":[${JSON.stringify(good())},${bad}]}`;
    };

    it.each([
      [
        '{"n":12345678901234567890,"m":1e400}',
        'events[1].payload.n',
        /more significant digits than a double holds.*send it as a string/,
      ],
      ['{"m":1e400}', 'events[1].payload.m', /too large for a JSON number.*send it as a string/],
      ['{"m":-1e400}', 'events[1].payload.m', /too large for a JSON number/],
      ['{"n":9007199254740993}', 'events[1].payload.n', /would not be stored as sent/],
      [
        '{"n":-12345678901234567890}',
        'events[1].payload.n',
        /more significant digits than a double holds.*send it as a string/,
      ],
      [
        '{"n":123456789012345678901234}',
        'events[1].payload.n',
        /more significant digits than a double holds.*send it as a string/,
      ],
      ['{"a":{"b":[0,{"c":1e999}]}}', 'events[1].payload.a.b[1].c', /too large/],
    ])('a payload of %s, naming the number', async (payload, parameter, message) => {
      const res = await ingest(withPayloadText(payload), {
        ...INGEST_AUTH,
        'Content-Type': 'application/json',
      }).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toContain(`${parameter} `);
      expect(res.body.error.details).toEqual([
        { parameter, message: expect.stringMatching(message) },
      ]);
    });

    it.each([
      ['just over 16 KB', 16 * 1024],
      ['2 MB', 2 * 1024 * 1024],
    ])('a payload of %s', async (_name, size) => {
      const message = 'events[1].payload must be at most 16384 bytes as JSON';
      await rejected(
        withField('payload', { blob: 'x'.repeat(size) }),
        'events[1].payload',
        message,
      );
    });

    it.each([
      'external_ref',
      'source',
      'entity_id',
      'status',
      'processing_ms',
      'amount_cents',
      'occurred_at',
    ])('a missing %s', async (field) => {
      const event = good();
      delete event[field];
      await rejected({ events: [event] }, `events[0].${field}`, `events[0].${field} is required`);
    });

    it('names every bad event of a batch by index and field', async () => {
      const events: ApiEvent[] = newEvents(999, 60_000);
      events[3] = { ...events[3], occurred_at: 'yesterday' };
      events[998] = { ...events[998], amount_cents: 1.25, status: 'done' };
      const error = await rejected({ events }, 'events[3].occurred_at', /RFC 3339/);
      expect(error.details.map((d: { parameter: string }) => d.parameter)).toEqual([
        'events[3].occurred_at',
        'events[998].status',
        'events[998].amount_cents',
      ]);
    });

    it('refuses events from a deactivated source until it is active again', async () => {
      await ctx.http
        .patch('/api/v1/sources/paypal')
        .set(AUTH)
        .send({ is_active: false })
        .expect(200);
      try {
        await rejected(
          { events: [newEvent(8000, { source: 'paypal' })] },
          'events[0].source',
          /unknown or inactive: paypal/,
        );
      } finally {
        await ctx.http
          .patch('/api/v1/sources/paypal')
          .set(AUTH)
          .send({ is_active: true })
          .expect(200);
      }
    });

    it('a JSON object with a __proto__ key', async () => {
      const res = await ctx.http
        .post('/api/v1/events')
        .set({ ...INGEST_AUTH, 'Content-Type': 'application/json' })
        .send(`{"events":[{"source":"stripe","__proto__":{"x":1}}]}`)
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toEqual([
        { parameter: 'events[0].__proto__', message: expect.stringContaining('is not allowed') },
      ]);
    });

    it('a body over the limit is a 413 in the envelope', async () => {
      const res = await ctx.http
        .post('/api/v1/events')
        .set({ ...INGEST_AUTH, 'Content-Type': 'application/json' })
        .send(`{"events":[{"payload":"${'x'.repeat(18 * 1024 * 1024)}"}]}`)
        .expect(413);
      expect(res.body.error.code).toBe('invalid_request');
    });
  });

  describe('the same batch from two instances at once', () => {
    let second: TestApp;
    beforeAll(async () => {
      second = await startApp(ctx.db.url);
    });
    afterAll(() => second?.close());

    it('is stored exactly once', async () => {
      const events = newEvents(300, 1).map((event, i) => ({
        ...event,
        external_ref: `twice-${i}`,
      }));
      const send = (app: TestApp) =>
        app.http.post('/api/v1/events').set(INGEST_AUTH).send({ events });
      const results = await Promise.all([send(ctx.app), send(second), send(ctx.app), send(second)]);
      const data = results.map((res) => {
        expect(res.status).toBe(200);
        return res.body.data;
      });
      expect(data.reduce((sum, d) => sum + d.accepted, 0)).toBe(300);
      expect(data.reduce((sum, d) => sum + d.duplicates, 0)).toBe(900);
      expect(data.every((d) => d.conflicts.length === 0)).toBe(true);
      expect(await storedEvents(ctx.db.sql, 'twice-')).toHaveLength(300);
    });
  });
});
