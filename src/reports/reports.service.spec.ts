import { jest } from '@jest/globals';
import type { AppConfig } from '../config/app.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ReportResultCache } from './report-cache.js';
import type { ReportRow, ReportsRepository, RunPage } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import type { RunnableReport, RunnableReports } from './runnable-reports.js';

/** A repository whose reads finish when the test says so. */
class FakeRepository {
  readonly reads: { resolve: (page: RunPage) => void }[] = [];

  runReport(): Promise<RunPage> {
    return new Promise((resolve) => this.reads.push({ resolve }));
  }
}

const REPORT: RunnableReport = {
  slug: 'status-counts',
  cacheTtlSeconds: 90,
  defaultWindow: 'day',
  allowedWindows: ['day', 'week'],
  sources: ['stripe'],
  retentionDays: { day: 365, week: 730 },
};

function page(count: number): RunPage {
  return {
    rows: [{ status: 'success', event_count: count }],
    total: 1,
    freshness: { as_of: null, stale: false, dirty_days: 0 },
  };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(ReportsService.name, () => {
  let repository: FakeRepository;
  let cache: ReportResultCache;
  let service: ReportsService;
  /** The definition `RunnableReports` answers with (a reload gives a new object). */
  let definition: RunnableReport;

  beforeEach(() => {
    repository = new FakeRepository();
    cache = new ReportResultCache();
    cache.setEnabled(true);
    definition = REPORT;
    const runnable = {
      find: async (slug: string) => (slug === REPORT.slug ? definition : undefined),
      isCurrent: (report: RunnableReport) => report === definition,
    };
    const config = { defaultReportDays: 30, maxReportRangeDays: 366 } as AppConfig;
    service = new ReportsService(
      config,
      repository as unknown as ReportsRepository,
      runnable as unknown as RunnableReports,
      cache,
      new Metrics(),
    );
  });

  it('serves the second identical run from the cache', async () => {
    const first = service.run('status-counts', {});
    await settle();
    repository.reads[0].resolve(page(5));
    expect((await first).data).toMatchObject({ cache_hit: false, rows: page(5).rows });
    const second = await service.run('status-counts', { window: 'day' });
    expect(second.data).toMatchObject({ cache_hit: true, rows: page(5).rows });
    expect(second.meta).toEqual({
      cache_hit: true,
      pagination: { limit: 50, offset: 0, total: 1 },
      freshness: { as_of: null, stale: false, dirty_days: 0 },
    });
    expect(repository.reads).toHaveLength(1);
  });

  it('lets concurrent misses share one read', async () => {
    const runs = [service.run('status-counts', {}), service.run('status-counts', {})];
    await settle();
    expect(repository.reads).toHaveLength(1);
    repository.reads[0].resolve(page(5));
    for (const run of await Promise.all(runs)) expect(run.data.rows).toEqual(page(5).rows);
  });

  it('does not share or cache a read that an invalidation overtook', async () => {
    const early = service.run('status-counts', {});
    await settle();
    cache.invalidate('status-counts'); // a recompute completed while the read was in flight
    const late = service.run('status-counts', {});
    await settle();
    expect(repository.reads).toHaveLength(2);
    repository.reads[1].resolve(page(7));
    repository.reads[0].resolve(page(5)); // the old read finishes last
    expect((await early).data.rows).toEqual(page(5).rows);
    expect((await late).data.rows).toEqual(page(7).rows);
    const next = await service.run('status-counts', {});
    expect(next.data).toMatchObject({ cache_hit: true, rows: page(7).rows });
  });

  it('neither caches nor shares reads while the cache is off', async () => {
    cache.setEnabled(false);
    const runs = [service.run('status-counts', {}), service.run('status-counts', {})];
    await settle();
    expect(repository.reads).toHaveLength(2);
    repository.reads.forEach((read) => read.resolve(page(1)));
    await Promise.all(runs);
    const again = service.run('status-counts', {});
    await settle();
    expect(repository.reads).toHaveLength(3);
    repository.reads[2].resolve(page(1));
    expect((await again).data.cache_hit).toBe(false);
  });

  it('answers 404 for an unknown report', async () => {
    await expect(service.run('nope', {})).rejects.toMatchObject({ code: 'not_found' });
  });

  describe('cachedRunBody (cache hits served ahead of Nest)', () => {
    const URL = '/api/v1/reports/status-counts/run?window=day';

    /** Runs the query through the full path once (a miss that fills the cache). */
    async function fill(raw: Record<string, string>, rows: ReportRow[]) {
      const run = service.run('status-counts', raw);
      await settle();
      repository.reads.at(-1)!.resolve({ ...page(0), rows, total: rows.length });
      return run;
    }

    it('answers a miss or a bad query with undefined, and a hit with the full envelope', async () => {
      expect(await service.cachedRunBody(URL, 'status-counts', { window: 'day' })).toBeUndefined();
      const bad = `${URL}&limit=0`;
      expect(await service.cachedRunBody(bad, 'status-counts', { limit: '0' })).toBeUndefined();
      expect(await service.cachedRunBody(URL, 'nope', { window: 'day' })).toBeUndefined();

      const miss = await fill({}, page(5).rows);
      for (let i = 0; i < 2; i++) {
        const body = await service.cachedRunBody(URL, 'status-counts', { window: 'day' });
        const hit = JSON.parse(body!.toString());
        expect(Object.keys(hit)).toEqual(['data', 'meta']);
        expect(typeof hit.data.execution_ms).toBe('number');
        expect(Object.keys(hit.data)).toEqual(Object.keys(miss.data));
        expect(hit.data).toEqual({
          ...miss.data,
          cache_hit: true,
          execution_ms: hit.data.execution_ms,
        });
        expect(hit.meta).toEqual({ ...miss.meta, cache_hit: true });
      }
    });

    it('keeps row text that looks like the execution_ms key intact', async () => {
      const rows = [{ entity_id: '"execution_ms":0,', event_count: 3 }] as unknown as ReportRow[];
      const miss = await fill({}, rows);
      const hit = JSON.parse((await service.cachedRunBody(URL, 'status-counts', {}))!.toString());
      expect(hit.data.rows).toEqual(rows);
      expect(hit.data.rows).toEqual(miss.data.rows);
    });

    it('parses a known URL again once the definition was reloaded', async () => {
      await fill({}, page(5).rows);
      expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeDefined();
      // The operator made week the default window: the same URL is another query now.
      definition = { ...REPORT, defaultWindow: 'week' };
      expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeUndefined();
      definition = { ...REPORT, cacheTtlSeconds: 0 };
      expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeUndefined();
      definition = { ...REPORT };
      expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeDefined();
    });

    it('parses a known URL again when the UTC day changes (the default range moves)', async () => {
      jest.useFakeTimers({ now: new Date('2026-11-25T23:59:59Z'), doNotFake: ['setImmediate'] });
      try {
        await fill({}, page(5).rows);
        expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeDefined();
        jest.setSystemTime(new Date('2026-11-26T00:00:01Z'));
        expect(await service.cachedRunBody(URL, 'status-counts', {})).toBeUndefined();
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('knownRunBody (cache hits answered ahead of Fastify)', () => {
    const URL = '/api/v1/reports/status-counts/run?window=day';
    const text = (body: Buffer | undefined) => body?.toString();
    const withoutTiming = (body: Buffer | undefined) =>
      text(body)?.replace(/"execution_ms":[\d.]+/, '"execution_ms":0');

    async function fill() {
      const run = service.run('status-counts', { window: 'day' });
      await settle();
      repository.reads.at(-1)!.resolve(page(5));
      await run;
    }

    it('answers only a URL cachedRunBody parsed, with the same body', async () => {
      await fill();
      expect(service.knownRunBody(URL, performance.now())).toBeUndefined();
      const parsed = await service.cachedRunBody(URL, 'status-counts', { window: 'day' });
      const known = service.knownRunBody(URL, performance.now());
      expect(known).toBeInstanceOf(Buffer);
      expect(withoutTiming(known)).toBe(withoutTiming(parsed));
      expect(JSON.parse(text(known)!).data).toMatchObject({ cache_hit: true, rows: page(5).rows });
      expect(service.knownRunBody(`${URL}&limit=5`, performance.now())).toBeUndefined();
    });

    it('answers nothing once the page is invalidated or the definition reloaded', async () => {
      await fill();
      await service.cachedRunBody(URL, 'status-counts', { window: 'day' });
      cache.invalidate('status-counts');
      expect(service.knownRunBody(URL, performance.now())).toBeUndefined();
      await fill();
      expect(service.knownRunBody(URL, performance.now())).toBeDefined();
      definition = { ...REPORT };
      expect(service.knownRunBody(URL, performance.now())).toBeUndefined();
      await service.cachedRunBody(URL, 'status-counts', { window: 'day' });
      expect(service.knownRunBody(URL, performance.now())).toBeDefined();
    });

    it('answers nothing once the UTC day changed (the URL may mean another range)', async () => {
      jest.useFakeTimers({ now: new Date('2026-11-25T23:59:59Z'), doNotFake: ['setImmediate'] });
      try {
        await fill();
        await service.cachedRunBody(URL, 'status-counts', { window: 'day' });
        expect(service.knownRunBody(URL, performance.now())).toBeDefined();
        jest.setSystemTime(new Date('2026-11-26T00:00:01Z'));
        expect(service.knownRunBody(URL, performance.now())).toBeUndefined();
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
