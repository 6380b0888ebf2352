import { jest } from '@jest/globals';
import type { DefinitionRow, ReportsRepository } from './reports.repository.js';
import { DEFINITIONS_REFRESH_MS, RunnableReports } from './runnable-reports.js';

/** What the repository answers; tests change it between reloads. */
function fakeRepository() {
  const state = {
    definitions: [
      {
        slug: 'status-counts',
        cache_ttl_seconds: 60,
        default_window: 'day',
        allowed_windows: ['day'],
      },
      {
        slug: 'top-entities',
        cache_ttl_seconds: 60,
        default_window: 'day',
        allowed_windows: ['day'],
      },
    ] as Partial<DefinitionRow>[],
    sources: ['stripe'],
  };
  const repository = {
    listPublicDefinitions: async () => state.definitions,
    listSourceSlugs: async () => state.sources,
    listRetention: async () => [
      { report_slug: 'status-counts', window_name: 'day', retention_days: 365 },
    ],
  };
  return { state, repository: repository as unknown as ReportsRepository };
}

describe(RunnableReports.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-29T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('keeps a definition current until the copy is older than the refresh interval', async () => {
    const { repository } = fakeRepository();
    const reports = new RunnableReports(repository);
    const report = (await reports.find('status-counts'))!;
    expect(report).toMatchObject({ slug: 'status-counts', retentionDays: { day: 365 } });
    expect(reports.isCurrent(report)).toBe(true);
    jest.advanceTimersByTime(DEFINITIONS_REFRESH_MS);
    expect(reports.isCurrent(report)).toBe(false);
  });

  it('keeps an unchanged definition the same object across reloads, and replaces a changed one', async () => {
    const { state, repository } = fakeRepository();
    const reports = new RunnableReports(repository);
    const before = (await reports.find('status-counts'))!;
    const other = (await reports.find('top-entities'))!;
    state.definitions = [
      { ...state.definitions[0] },
      { ...state.definitions[1], cache_ttl_seconds: 5 },
    ];
    jest.advanceTimersByTime(DEFINITIONS_REFRESH_MS);
    expect(await reports.find('status-counts')).toBe(before);
    expect(reports.isCurrent(before)).toBe(true);
    const changed = (await reports.find('top-entities'))!;
    expect(changed).not.toBe(other);
    expect(changed.cacheTtlSeconds).toBe(5);
    expect(reports.isCurrent(other)).toBe(false);

    state.sources = ['stripe', 'adyen']; // a new source is a new value of the `source` filter
    jest.advanceTimersByTime(DEFINITIONS_REFRESH_MS);
    expect(await reports.find('status-counts')).not.toBe(before);
    expect(reports.isCurrent(before)).toBe(false);
  });
});
