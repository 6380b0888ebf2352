import { useTestApp } from '../support/context.js';
import { addDays, today } from '../support/reports.js';

const VOLUME = '/api/v1/reports/volume-by-period/run';
const STATUS = '/api/v1/reports/status-counts/run';
const TOP = '/api/v1/reports/top-entities/run';

describe('GET /api/v1/reports/{slug}/run rejects every malformed parameter with a 400 naming it', () => {
  const ctx = useTestApp('migrated', { env: { MAX_REPORT_RANGE_DAYS: '366' } });

  it.each<[string, string, string]>([
    // window
    [VOLUME, 'window=month', 'window'],
    [VOLUME, 'window=Day', 'window'],
    [VOLUME, 'window=', 'window'],
    [VOLUME, 'window', 'window'],
    [VOLUME, 'window=day&window=week', 'window'],
    // dates: malformed, impossible, order, range
    [VOLUME, 'date_from=2026-02-30', 'date_from'],
    [VOLUME, 'date_to=2026-02-29', 'date_to'],
    [VOLUME, 'date_from=2025-13-01', 'date_from'],
    [VOLUME, 'date_from=2025-04-31', 'date_from'],
    [VOLUME, 'date_from=0000-01-01', 'date_from'],
    [VOLUME, 'date_from=2026-1-5', 'date_from'],
    [VOLUME, 'date_from=20260105', 'date_from'],
    [VOLUME, 'date_from=yesterday', 'date_from'],
    [VOLUME, 'date_from=2026-01-05T00:00:00Z', 'date_from'],
    [VOLUME, 'date_from=%202026-01-05', 'date_from'],
    [VOLUME, 'date_to=', 'date_to'],
    [VOLUME, 'date_to=99999-01-01', 'date_to'],
    [VOLUME, 'date_to=0001-01-05', 'date_to'],
    [VOLUME, 'date_from=2026-03-02&date_to=2026-03-01', 'date_from'],
    [VOLUME, `date_from=${addDays(today(), 1)}`, 'date_from'],
    [VOLUME, 'date_from=2024-01-01&date_to=2025-01-01', 'date_from'],
    [VOLUME, 'date_from=1900-01-01', 'date_from'],
    [VOLUME, 'date_from=2026-01-01&date_from=2026-01-02', 'date_from'],
    // limit and offset
    [STATUS, 'limit=0', 'limit'],
    [STATUS, 'limit=101', 'limit'],
    [STATUS, 'limit=-1', 'limit'],
    [STATUS, 'limit=1.0', 'limit'],
    [STATUS, 'limit=1e2', 'limit'],
    [STATUS, 'limit=abc', 'limit'],
    [STATUS, 'limit=', 'limit'],
    [STATUS, 'limit=%2B5', 'limit'],
    [STATUS, 'limit=1&limit=2', 'limit'],
    [STATUS, 'offset=-1', 'offset'],
    [STATUS, 'offset=1.5', 'offset'],
    [STATUS, 'offset=NaN', 'offset'],
    [STATUS, 'offset=99999999999999999999999', 'offset'],
    [STATUS, 'offset=0&offset=0', 'offset'],
    // breakdowns the report does not have
    [VOLUME, 'breakdown=status', 'breakdown'],
    [VOLUME, 'breakdown=entity_id', 'breakdown'],
    [VOLUME, 'breakdown=', 'breakdown'],
    [STATUS, 'breakdown=source', 'breakdown'],
    [TOP, 'breakdown=period', 'breakdown'],
    [TOP, 'breakdown=entity_id', 'breakdown'],
    // filters the report does not have, and bad values
    [VOLUME, 'status=failed', 'status'],
    [STATUS, 'source=stripe', 'source'],
    [TOP, 'source=stripe', 'source'],
    [TOP, 'status=success', 'status'],
    [VOLUME, 'source=visa', 'source'],
    [VOLUME, 'source=', 'source'],
    [VOLUME, 'source=STRIPE', 'source'],
    [VOLUME, 'source=stripe&source=adyen', 'source'],
    [VOLUME, "source=stripe'%20OR%20'1'='1", 'source'],
    [STATUS, 'status=lost', 'status'],
    [STATUS, 'status=%00', 'status'],
    // unknown parameters
    [VOLUME, 'foo=bar', 'foo'],
    [VOLUME, 'entity_id=entity-1', 'entity_id'],
    [VOLUME, 'limit[]=1', 'limit[]'],
    [VOLUME, '__proto__=1', '__proto__'],
    [VOLUME, 'dateFrom=2026-01-01', 'dateFrom'],
  ])('%s?%s → 400 naming %s', async (path, query, parameter) => {
    const res = await ctx.http.get(`${path}?${query}`).expect(400);
    expect(res.body).toEqual({
      error: {
        code: 'invalid_request',
        message: expect.stringContaining(parameter),
        details: [{ parameter, message: res.body.error.message }],
        request_id: expect.any(String),
      },
    });
  });

  it('lists what the report supports when a breakdown or filter is not supported', async () => {
    const message = async (url: string) => (await ctx.http.get(url).expect(400)).body.error.message;
    expect(await message(`${VOLUME}?breakdown=status`)).toBe(
      'breakdown must be one of period, source for report volume-by-period',
    );
    expect(await message(`${STATUS}?breakdown=source`)).toBe(
      'breakdown must be one of status, period for report status-counts',
    );
    expect(await message(`${TOP}?breakdown=period`)).toBe(
      'breakdown is not supported by report top-entities (it supports no breakdown)',
    );
    expect(await message(`${VOLUME}?status=failed`)).toBe(
      'status is not a filter of report volume-by-period (it supports: source)',
    );
    expect(await message(`${TOP}?source=stripe`)).toBe(
      'source is not a filter of report top-entities (it supports: no filters)',
    );
    expect(await message(`${VOLUME}?source=visa`)).toBe(
      'source must be one of adyen, paypal, stripe',
    );
    expect(await message(`${STATUS}?status=lost`)).toBe(
      'status must be one of success, failed, pending',
    );
  });

  it('names every bad parameter of one request', async () => {
    const res = await ctx.http.get(`${STATUS}?window=year&limit=0&source=stripe&x=1`).expect(400);
    expect(res.body.error.details.map((d: { parameter: string }) => d.parameter)).toEqual([
      'source',
      'x',
      'window',
      'limit',
    ]);
  });

  it('answers 404 for an unknown report before looking at parameters', async () => {
    const res = await ctx.http.get('/api/v1/reports/nope/run?window=year').expect(404);
    expect(res.body.error).toEqual({
      code: 'not_found',
      message: 'report not found: nope',
      details: [],
      request_id: expect.any(String),
    });
  });

  it('accepts well-formed parameters, the maximum range and the last page size', async () => {
    const to = today();
    for (const url of [
      `${VOLUME}?window=week&breakdown=source&source=paypal&limit=100&offset=0`,
      `${STATUS}?breakdown=period&status=pending&date_to=${to}`,
      `${TOP}?date_from=${addDays(to, -365)}&date_to=${to}&limit=1&offset=2147483647`,
      `${VOLUME}?date_from=2024-02-29&date_to=2024-02-29`,
    ]) {
      const res = await ctx.http.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});

describe('MAX_REPORT_RANGE_DAYS and DEFAULT_REPORT_DAYS', () => {
  const ctx = useTestApp('migrated', {
    env: { MAX_REPORT_RANGE_DAYS: '10', DEFAULT_REPORT_DAYS: '7' },
  });

  it('defaults to DEFAULT_REPORT_DAYS and rejects a range over MAX_REPORT_RANGE_DAYS', async () => {
    const defaults = await ctx.http.get(VOLUME).expect(200);
    expect(defaults.body.data).toMatchObject({ date_from: addDays(today(), -6), date_to: today() });
    await ctx.http.get(`${VOLUME}?date_from=2026-01-01&date_to=2026-01-10`).expect(200);
    const res = await ctx.http.get(`${VOLUME}?date_from=2026-01-01&date_to=2026-01-11`).expect(400);
    expect(res.body.error.message).toBe(
      'date_from to date_to spans 11 days; the maximum is 10 (MAX_REPORT_RANGE_DAYS)',
    );
  });
});
