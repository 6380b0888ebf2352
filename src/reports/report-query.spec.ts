import { ApiError } from '../common/api-error.js';
import {
  parseCatalogQuery,
  parseRunQuery,
  rejectQueryParameters,
  resolveDateRange,
  runCacheKey,
  type RawQuery,
  type RunRules,
} from './report-query.js';

const RULES = { today: '2026-11-25', defaultDays: 30, maxDays: 366 };

function rules(slug: RunRules['slug']): RunRules {
  return {
    ...RULES,
    slug,
    defaultWindow: 'day',
    allowedWindows: ['day', 'week'],
    sources: ['adyen', 'paypal', 'stripe'],
    retentionDays: { day: 36500, week: 36500 },
  };
}

/** The ApiError a parse throws (fails the test when it does not throw one). */
function rejection(parse: () => unknown): ApiError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an invalid_request error');
}

describe('resolveDateRange', () => {
  it('defaults to the last DEFAULT_REPORT_DAYS days ending today', () => {
    expect(resolveDateRange({}, RULES)).toEqual({ dateFrom: '2026-10-27', dateTo: '2026-11-25' });
  });

  it('refuses a default range that would start before EARLIEST_DAY, naming date_to', () => {
    expect(resolveDateRange({ dateTo: '2000-01-05' }, RULES)).toEqual({
      parameter: 'date_to',
      message:
        'date_to is too early: the default range of 30 days would start before 2000-01-01; give date_from',
    });
    expect(resolveDateRange({ dateFrom: '2000-01-01', dateTo: '2000-01-05' }, RULES)).toEqual({
      dateFrom: '2000-01-01',
      dateTo: '2000-01-05',
    });
  });

  it('counts the default range back from a given date_to', () => {
    expect(resolveDateRange({ dateTo: '2026-03-01' }, RULES)).toEqual({
      dateFrom: '2026-01-31',
      dateTo: '2026-03-01',
    });
  });

  it('ends a range given only date_from today', () => {
    expect(resolveDateRange({ dateFrom: '2026-01-01' }, RULES)).toEqual({
      dateFrom: '2026-01-01',
      dateTo: '2026-11-25',
    });
  });

  it('accepts a one-day range and exactly the maximum', () => {
    expect(resolveDateRange({ dateFrom: '2026-05-05', dateTo: '2026-05-05' }, RULES)).toEqual({
      dateFrom: '2026-05-05',
      dateTo: '2026-05-05',
    });
    expect(resolveDateRange({ dateFrom: '2024-01-01', dateTo: '2024-12-31' }, RULES)).toEqual({
      dateFrom: '2024-01-01',
      dateTo: '2024-12-31',
    });
  });

  it('rejects one day over the maximum, naming both dates', () => {
    const problem = resolveDateRange({ dateFrom: '2024-01-01', dateTo: '2025-01-01' }, RULES);
    expect(problem).toEqual({
      parameter: 'date_from',
      message: 'date_from to date_to spans 367 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)',
    });
  });

  it('rejects date_from after date_to, explaining a defaulted date_to', () => {
    expect(resolveDateRange({ dateFrom: '2026-02-02', dateTo: '2026-02-01' }, RULES)).toEqual({
      parameter: 'date_from',
      message: 'date_from must not be after date_to',
    });
    expect(resolveDateRange({ dateFrom: '2026-12-01' }, RULES)).toEqual({
      parameter: 'date_from',
      message: 'date_from must not be after date_to (date_to defaults to today, 2026-11-25)',
    });
  });

  it('caps the default range at the maximum', () => {
    expect(resolveDateRange({}, { ...RULES, defaultDays: 400, maxDays: 7 })).toEqual({
      dateFrom: '2026-11-19',
      dateTo: '2026-11-25',
    });
  });
});

describe('parseRunQuery', () => {
  it('applies the defaults of the report', () => {
    expect(parseRunQuery({}, rules('volume-by-period'))).toEqual({
      window: 'day',
      dateFrom: '2026-10-27',
      dateTo: '2026-11-25',
      layout: 'period',
      filter: undefined,
      limit: 50,
      offset: 0,
    });
    expect(parseRunQuery({}, { ...rules('status-counts'), defaultWindow: 'week' })).toMatchObject({
      window: 'week',
      layout: 'dimension',
    });
  });

  it('maps each breakdown to its row layout', () => {
    const layout = (slug: RunRules['slug'], breakdown: string) =>
      parseRunQuery({ breakdown }, rules(slug)).layout;
    expect(layout('volume-by-period', 'period')).toBe('period');
    expect(layout('volume-by-period', 'source')).toBe('period_dimension');
    expect(layout('status-counts', 'status')).toBe('dimension');
    expect(layout('status-counts', 'period')).toBe('period_dimension');
    expect(parseRunQuery({}, rules('top-entities')).layout).toBe('dimension');
  });

  it('reads every parameter', () => {
    const raw = {
      window: 'week',
      date_from: '2026-01-05',
      date_to: '2026-03-01',
      breakdown: 'source',
      source: 'stripe',
      limit: '100',
      offset: '007',
    };
    expect(parseRunQuery(raw, rules('volume-by-period'))).toEqual({
      window: 'week',
      dateFrom: '2026-01-05',
      dateTo: '2026-03-01',
      layout: 'period_dimension',
      filter: { parameter: 'source', value: 'stripe' },
      limit: 100,
      offset: 7,
    });
    expect(parseRunQuery({ status: 'failed' }, rules('status-counts')).filter).toEqual({
      parameter: 'status',
      value: 'failed',
    });
  });

  it.each<[string, RunRules['slug'], RawQuery, string]>([
    ['window', 'volume-by-period', { window: 'month' }, 'window must be one of day, week'],
    ['window', 'volume-by-period', { window: 'DAY' }, 'window must be one of day, week'],
    ['window', 'volume-by-period', { window: '' }, 'window must be one of day, week'],
    ['limit', 'top-entities', { limit: '0' }, 'limit must be between 1 and 100'],
    ['limit', 'top-entities', { limit: '101' }, 'limit must be between 1 and 100'],
    ['limit', 'top-entities', { limit: '1.5' }, 'limit must be an integer'],
    ['limit', 'top-entities', { limit: '-1' }, 'limit must be between 1 and 100'],
    ['limit', 'top-entities', { limit: 'ten' }, 'limit must be an integer'],
    ['limit', 'top-entities', { limit: '1e1' }, 'limit must be an integer'],
    ['limit', 'top-entities', { limit: '' }, 'limit must be an integer'],
    ['limit', 'top-entities', { limit: ' 5' }, 'limit must be an integer'],
    ['limit', 'top-entities', { limit: ['1', '2'] }, 'limit must be given only once'],
    ['offset', 'top-entities', { offset: '-1' }, 'offset must be between 0 and 2147483647'],
    ['offset', 'top-entities', { offset: '0x10' }, 'offset must be an integer'],
    [
      'offset',
      'top-entities',
      { offset: '99999999999999999999' },
      'offset must be between 0 and 2147483647',
    ],
    [
      'date_from',
      'status-counts',
      { date_from: '2026-02-30' },
      'date_from must be a real calendar date (2026-02-30 does not exist)',
    ],
    [
      'date_to',
      'status-counts',
      { date_to: '25/11/2026' },
      'date_to must be a date in YYYY-MM-DD format',
    ],
    [
      'date_from',
      'status-counts',
      { date_from: '1999-12-31' },
      'date_from must be between 2000-01-01 and 2999-12-31',
    ],
    [
      'date_to',
      'status-counts',
      { date_to: '3026-01-01' },
      'date_to must be between 2000-01-01 and 2999-12-31',
    ],
    [
      'date_from',
      'status-counts',
      { date_from: '2026-03-02', date_to: '2026-03-01' },
      'date_from must not be after date_to',
    ],
    [
      'date_from',
      'status-counts',
      { date_from: '2020-01-01', date_to: '2026-01-01' },
      'date_from to date_to spans 2193 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)',
    ],
    [
      'breakdown',
      'volume-by-period',
      { breakdown: 'status' },
      'breakdown must be one of period, source for report volume-by-period',
    ],
    [
      'breakdown',
      'status-counts',
      { breakdown: 'source' },
      'breakdown must be one of status, period for report status-counts',
    ],
    [
      'breakdown',
      'top-entities',
      { breakdown: 'period' },
      'breakdown is not supported by report top-entities (it supports no breakdown)',
    ],
    [
      'status',
      'volume-by-period',
      { status: 'failed' },
      'status is not a filter of report volume-by-period (it supports: source)',
    ],
    [
      'source',
      'status-counts',
      { source: 'stripe' },
      'source is not a filter of report status-counts (it supports: status)',
    ],
    [
      'source',
      'top-entities',
      { source: 'stripe' },
      'source is not a filter of report top-entities (it supports: no filters)',
    ],
    [
      'source',
      'volume-by-period',
      { source: 'visa' },
      'source must be one of adyen, paypal, stripe',
    ],
    [
      'status',
      'status-counts',
      { status: 'lost' },
      'status must be one of success, failed, pending',
    ],
    [
      'foo',
      'top-entities',
      { foo: '1' },
      'foo is not a known query parameter (allowed: window, date_from, date_to, breakdown, source, status, limit, offset)',
    ],
  ])('rejects a bad %s: %j', (parameter, slug, raw, message) => {
    const error = rejection(() => parseRunQuery(raw, rules(slug)));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(message);
    expect(error.details).toEqual([{ parameter, message }]);
  });

  it('names every bad parameter at once', () => {
    const error = rejection(() =>
      parseRunQuery({ window: 'x', limit: '0', date_to: 'y' }, rules('status-counts')),
    );
    expect(error.details.map((detail) => (detail as { parameter: string }).parameter)).toEqual([
      'window',
      'date_to',
      'limit',
    ]);
  });

  it('only allows the windows the report has', () => {
    const onlyDay = { ...rules('top-entities'), allowedWindows: ['day' as const] };
    expect(rejection(() => parseRunQuery({ window: 'week' }, onlyDay)).message).toBe(
      'window must be one of day',
    );
  });

  it('keys equal normalized queries alike', () => {
    const key = (raw: RawQuery) =>
      runCacheKey('volume-by-period', parseRunQuery(raw, rules('volume-by-period')));
    expect(key({})).toBe(key({ breakdown: 'period', window: 'day', limit: '50', offset: '0' }));
    expect(key({})).toBe(key({ date_from: '2026-10-27', date_to: '2026-11-25' }));
    expect(key({})).not.toBe(key({ breakdown: 'source' }));
    expect(key({})).not.toBe(key({ source: 'stripe' }));
    expect(key({})).not.toBe(key({ limit: '10' }));
  });
});

describe('parseCatalogQuery', () => {
  it('applies the defaults', () => {
    expect(parseCatalogQuery({})).toEqual({
      search: undefined,
      limit: 20,
      offset: 0,
      sort: 'name',
      order: 'asc',
    });
  });

  it('reads every parameter; an empty search matches everything', () => {
    const raw = {
      search: 'Count',
      limit: '1',
      offset: '2',
      sort: 'cache_ttl_seconds',
      order: 'desc',
    };
    expect(parseCatalogQuery(raw)).toEqual({
      search: 'Count',
      limit: 1,
      offset: 2,
      sort: 'cache_ttl_seconds',
      order: 'desc',
    });
    expect(parseCatalogQuery({ search: '' }).search).toBeUndefined();
  });

  it.each<[RawQuery, string]>([
    [{ sort: 'id' }, 'sort must be one of slug, name, updated_at, cache_ttl_seconds'],
    [
      { sort: 'name; DROP TABLE report_definitions' },
      'sort must be one of slug, name, updated_at, cache_ttl_seconds',
    ],
    [{ order: 'up' }, 'order must be one of asc, desc'],
    [{ limit: '0' }, 'limit must be between 1 and 100'],
    [{ offset: '-5' }, 'offset must be between 0 and 2147483647'],
    [{ search: 'a'.repeat(101) }, 'search must be at most 100 characters long'],
    [{ search: 'a\u0000b' }, 'search must contain only printable characters'],
    [{ search: ['a', 'b'] }, 'search must be given only once'],
    [
      { page: '2' },
      'page is not a known query parameter (allowed: search, limit, offset, sort, order)',
    ],
  ])('rejects %j', (raw, message) => {
    expect(rejection(() => parseCatalogQuery(raw)).message).toBe(message);
  });
});

describe('rejectQueryParameters', () => {
  it('accepts no parameters and names any that is given', () => {
    expect(() => rejectQueryParameters({})).not.toThrow();
    expect(rejection(() => rejectQueryParameters({ window: 'day' })).message).toBe(
      'window is not a known query parameter (allowed: none)',
    );
  });
});
