import { jest } from '@jest/globals';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseServer } from '../../src/database/database-server.js';
import { RecomputeService } from '../../src/recompute/recompute.service.js';
import { ReportResultCache } from '../../src/reports/report-cache.js';
import { ReportsRepository } from '../../src/reports/reports.repository.js';
import {
  LISTENER_APPLICATION_NAME,
  SnapshotListener,
} from '../../src/reports/snapshot-listener.js';
import { SnapshotChanges } from '../../src/snapshots/snapshot-changes.js';
import { startApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { addDays, runUrl, today, truth } from '../support/reports.js';

/** Polls `probe` until it returns true, or fails after `timeoutMs`. */
async function eventually(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const STATUS_WEEK = () => runUrl('status-counts', { date_from: addDays(today(), -6) });

async function get(app: TestApp, url: string) {
  const res = await app.http.get(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.meta.cache_hit).toBe(res.body.data.cache_hit);
  return res.body as {
    data: { rows: Record<string, unknown>[]; cache_hit: boolean; generated_at: string };
    meta: { pagination: { total: number } };
  };
}

/** Adds `count` events with `status` at the start of today (UTC). */
async function addEvents(db: TestDatabase, status: string, count: number, tag: string) {
  await db.sql.query(
    `INSERT INTO analytics_events
       (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
     SELECT s.id, $3 || '-' || n, 'entity-cache', $1, 1, 1,
            date_trunc('day', now(), 'UTC') + interval '1 second'
       FROM event_sources s, generate_series(1, $2::int) AS n
      WHERE s.slug = 'stripe'`,
    [status, count, tag],
  );
}

function statusTruth(db: TestDatabase) {
  return truth(db.sql, {
    slug: 'status-counts',
    window: 'day',
    dateFrom: addDays(today(), -6),
    dateTo: today(),
    layout: 'dimension',
  });
}

function recomputeStatusToday(app: TestApp) {
  const day = today();
  return app.app
    .get(RecomputeService)
    .runNow(
      { reportSlug: 'status-counts', window: 'day', dateFrom: day, dateTo: day },
      'cache-e2e',
    );
}

const EMPTY = {
  rows: [],
  total: 0,
  generatedAt: '',
  freshness: { as_of: null, stale: false, dirty_days: 0 },
};

describe('report result cache', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('demo');
    a = await startApp(db.url);
    b = await startApp(db.url);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('serves a repeated query from the cache, also when written differently', async () => {
    const url = runUrl('volume-by-period', {
      date_from: addDays(today(), -13),
      breakdown: 'source',
    });
    const first = await get(a, url);
    expect(first.data.cache_hit).toBe(false);
    const second = await get(a, url);
    expect(second.data.cache_hit).toBe(true);
    expect(second.data.rows).toEqual(first.data.rows);
    expect(second.data.generated_at).toBe(first.data.generated_at);
    expect(second.meta).toEqual({ ...first.meta, cache_hit: true });

    const explicit = runUrl('volume-by-period', {
      offset: 0,
      limit: 50,
      date_to: today(),
      window: 'day',
      breakdown: 'source',
      date_from: addDays(today(), -13),
    });
    expect((await get(a, explicit)).data.cache_hit).toBe(true);
    // Another page, another window or another filter is another entry.
    expect((await get(a, `${url}&limit=10`)).data.cache_hit).toBe(false);
    expect((await get(a, `${url}&window=week`)).data.cache_hit).toBe(false);
    expect((await get(a, `${url}&source=stripe`)).data.cache_hit).toBe(false);
    // Each instance has its own cache.
    expect((await get(b, url)).data.cache_hit).toBe(false);
  });

  it('answers a hit (served ahead of the Nest pipeline) exactly like the full path', async () => {
    const url = runUrl('status-counts', { breakdown: 'period', limit: 7, offset: 3 });
    const miss = await a.http.get(url).expect(200);
    const hit = await a.http.get(url).expect(200);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    const { execution_ms: missMs, ...missData } = miss.body.data;
    const { execution_ms: hitMs, ...hitData } = hit.body.data;
    expect([typeof missMs, typeof hitMs]).toEqual(['number', 'number']);
    expect(hitData).toEqual({ ...missData, cache_hit: true });
    expect(hit.body.meta).toEqual({ ...miss.body.meta, cache_hit: true });
    expect(Object.keys(hit.body)).toEqual(['data', 'meta']);
    // Anything that is not a hit still goes through validation.
    const bad = await a.http.get(`${url}&bogus=1`).expect(400);
    expect(bad.body.error.details[0].parameter).toBe('bogus');
    await a.http.get(url.replace('status-counts', 'no-such-report')).expect(404);
  });

  it('lets concurrent misses of one query share a single read', async () => {
    const repository = a.app.get(ReportsRepository);
    const spy = jest.spyOn(repository, 'runReport');
    try {
      const url = runUrl('top-entities', { limit: 17, offset: 3 });
      const bodies = await Promise.all(Array.from({ length: 6 }, () => get(a, url)));
      expect(spy.mock.calls.length).toBeLessThan(6);
      for (const body of bodies) expect(body.data.rows).toEqual(bodies[0].data.rows);
      expect((await get(a, url)).data.cache_hit).toBe(true);
      expect(spy.mock.calls.length).toBeLessThan(6);
    } finally {
      spy.mockRestore();
    }
  });

  it('serves fresh numbers in this instance right after a recompute of the report completes', async () => {
    const volume = runUrl('volume-by-period', { date_from: addDays(today(), -6) });
    await get(a, STATUS_WEEK());
    await get(a, volume);
    const before = await get(a, STATUS_WEEK());
    expect(before.data.cache_hit).toBe(true);

    await addEvents(db, 'failed', 7, 'in-process');
    // New events alone change nothing: reports read snapshots, and the cache still holds.
    const stale = await get(a, STATUS_WEEK());
    expect(stale.data.cache_hit).toBe(true);
    expect(stale.data.rows).toEqual(before.data.rows);

    // The recompute also notifies the other instance; the next test needs that behind it.
    const otherInvalidated = jest.spyOn(b.app.get(ReportResultCache), 'invalidate');
    expect((await recomputeStatusToday(a)).status).toBe('completed');
    const after = await get(a, STATUS_WEEK());
    expect(after.data.cache_hit).toBe(false);
    expect(after.data.rows).toEqual(await statusTruth(db));
    expect(after.data.rows).not.toEqual(before.data.rows);
    expect((await get(a, STATUS_WEEK())).data.cache_hit).toBe(true);
    // Other reports keep their cached results.
    expect((await get(a, volume)).data.cache_hit).toBe(true);
    await eventually('the other instance to receive the NOTIFY', () =>
      otherInvalidated.mock.calls.some(([slug]) => slug === 'status-counts'),
    );
    otherInvalidated.mockRestore();
  });

  it('serves fresh numbers in another instance after a recompute completes (LISTEN/NOTIFY)', async () => {
    for (const [writer, reader] of [
      [a, b],
      [b, a],
    ]) {
      await get(reader, STATUS_WEEK());
      const before = await get(reader, STATUS_WEEK());
      expect(before.data.cache_hit).toBe(true);

      await addEvents(db, 'pending', 3, `cross-${Date.now()}`);
      expect((await recomputeStatusToday(writer)).status).toBe('completed');
      const expected = await statusTruth(db);
      expect(expected).not.toEqual(before.data.rows);

      let fresh: Awaited<ReturnType<typeof get>> | undefined;
      await eventually('the other instance to drop its cached result', async () => {
        const res = await get(reader, STATUS_WEEK());
        if (res.data.cache_hit) expect(res.data.rows).toEqual(before.data.rows);
        else fresh = res;
        return !res.data.cache_hit;
      });
      expect(fresh!.data.rows).toEqual(expected);
      const again = await get(reader, STATUS_WEEK());
      expect(again.data).toMatchObject({ cache_hit: true, rows: expected });
    }
  });

  it('keeps invalidating across instances after the listening connection is killed', async () => {
    const listeners = async () =>
      (
        await db.sql.query(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = $1 AND datname = current_database()`,
          [LISTENER_APPLICATION_NAME],
        )
      ).rows.map((row) => row.pid as number);
    const old = await listeners();
    expect(old).toHaveLength(2);
    await get(b, STATUS_WEEK());
    expect((await get(b, STATUS_WEEK())).data.cache_hit).toBe(true);

    await db.sql.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [old]);
    await eventually('both instances to listen again', async () => {
      const now = await listeners();
      return now.length === 2 && now.every((pid) => !old.includes(pid));
    });
    const reconnectedCache = b.app.get(ReportResultCache);
    await eventually('the cache to be re-enabled', () => reconnectedCache.isEnabled);
    // Notifications may have been missed while disconnected: the cache starts over.
    expect((await get(b, STATUS_WEEK())).data.cache_hit).toBe(false);
    expect((await get(b, STATUS_WEEK())).data.cache_hit).toBe(true);

    await addEvents(db, 'success', 11, 'after-reconnect');
    expect((await recomputeStatusToday(a)).status).toBe('completed');
    const expected = await statusTruth(db);
    await eventually('the other instance to serve fresh numbers', async () => {
      const res = await get(b, STATUS_WEEK());
      return !res.data.cache_hit && JSON.stringify(res.data.rows) === JSON.stringify(expected);
    });
  });

  it('never caches a report whose cache_ttl_seconds is 0', async () => {
    await db.sql.query(
      `UPDATE report_definitions SET cache_ttl_seconds = 0 WHERE slug = 'top-entities'`,
    );
    let limit = 1;
    // Definitions are re-read within a few seconds; from then on nothing is cached.
    await eventually('the new cache_ttl_seconds to apply', async () => {
      const url = runUrl('top-entities', { limit: limit++ });
      await get(a, url);
      return !(await get(a, url)).data.cache_hit;
    });
    for (let i = 0; i < 3; i++) {
      expect((await get(a, runUrl('top-entities', { limit: 99 }))).data.cache_hit).toBe(false);
    }
    await db.sql.query(
      `UPDATE report_definitions SET cache_ttl_seconds = 45 WHERE slug = 'top-entities'`,
    );
  });
});

describe(SnapshotListener.name, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('blank');
  });

  afterAll(() => db?.drop());

  it('bypasses the cache while its connection is down, and reconnects', async () => {
    const cache = new ReportResultCache();
    const changes = new SnapshotChanges();
    const listener = new SnapshotListener({ url: db.url } as DatabaseServer, changes, cache);
    listener.onModuleInit();
    await listener.onApplicationBootstrap();
    try {
      expect(listener.isListening).toBe(true);
      expect(cache.isEnabled).toBe(true);

      // In-process changes invalidate through SnapshotChanges.
      cache.set('k', cache.stamp('status-counts'), EMPTY, 60);
      changes.changedHere('status-counts');
      expect(cache.get('k')).toBeUndefined();

      // Another instance's NOTIFY invalidates too (as does an operator's bare `<slug>`); this
      // instance's own comes back too, but it acted on it at commit: it keeps later results.
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      const notify = (payload: string) =>
        other.query(`SELECT pg_notify('tally_snapshots_changed', $1)`, [payload]);
      for (const payload of ['status-counts', 'status-counts another-instance']) {
        cache.set('k', cache.stamp('status-counts'), EMPTY, 60);
        cache.set('own', cache.stamp('top-entities'), EMPTY, 60);
        await notify(`top-entities ${changes.origin}`);
        await notify(payload);
        await eventually('the NOTIFY to arrive', () => cache.get('k') === undefined);
        // NOTIFYs arrive in order, so the own one (sent first) has been seen by now.
        expect(cache.get('own')).toBeDefined();
      }
      await other.end();

      // The database goes away: nothing is cached until the listener is back.
      const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${db.name}" WITH (FORCE)`);
        await eventually('the cache to be bypassed', () => !cache.isEnabled);
        expect(cache.set('k', cache.stamp('x'), EMPTY, 60)).toBe(false);
        await admin.query(`CREATE DATABASE "${db.name}"`);
      } finally {
        await admin.end();
      }
      await eventually('the listener to reconnect', () => cache.isEnabled, 20_000);
      expect(listener.isListening).toBe(true);
    } finally {
      await listener.onModuleDestroy();
    }
    expect(cache.isEnabled).toBe(false);
  });
});
