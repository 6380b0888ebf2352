import type pg from 'pg';
import { isReportSlug, REPORT_CATALOG } from '../../src/snapshots/report-catalog.js';
import type { TestApp } from './app.js';

export type Row = Record<string, string | number>;
export type Layout = 'period' | 'period_dimension' | 'dimension';

/** Today in UTC, `YYYY-MM-DD`. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The value of each dimension over `analytics_events e JOIN event_sources s`, written here from
 * the product's rules and not taken from the service: the truth queries of the tests must not
 * reuse the SQL they check. Which report counts by which dimension comes from the catalog.
 */
const DIMENSION_VALUE_SQL: Record<string, string> = {
  source: 's.slug',
  status: 'e.status',
  entity_id: 'e.entity_id',
};

/** The dimension a report counts by: its key (the row property) and the truth SQL of its value. */
export function dimensionOf(slug: string): { key: string; sql: string } {
  if (!isReportSlug(slug)) throw new Error(`not a report: ${slug}`);
  const { key } = REPORT_CATALOG[slug].dimension;
  return { key, sql: DIMENSION_VALUE_SQL[key] };
}

export interface TruthQuery {
  slug: string;
  window: 'day' | 'week';
  dateFrom: string;
  dateTo: string;
  layout: Layout;
  /** The report's filter value (source or status), if any. */
  filter?: string;
}

/**
 * The rows of a report run computed straight from `analytics_events`: buckets are
 * `date_trunc(window, occurred_at, 'UTC')`, a bucket is in range when its UTC start date lies
 * in [dateFrom, dateTo], text is ordered byte-wise.
 */
export async function truth(sql: pg.Pool, query: TruthQuery): Promise<Row[]> {
  const dimension = dimensionOf(query.slug);
  const bucketDate = `to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
  const shape = {
    period: { select: `${bucketDate} AS bucket_date`, group: 'bucket', order: 'bucket' },
    period_dimension: {
      select: `${bucketDate} AS bucket_date, value AS ${dimension.key}`,
      group: 'bucket, value',
      order: 'bucket, value COLLATE "C"',
    },
    dimension: {
      select: `value AS ${dimension.key}`,
      group: 'value',
      order: 'count(*) DESC, value COLLATE "C"',
    },
  }[query.layout];
  const { rows } = await sql.query(
    `WITH events AS (
       SELECT date_trunc($1, e.occurred_at, 'UTC') AS bucket, ${dimension.sql} AS value
         FROM analytics_events e JOIN event_sources s ON s.id = e.source_id)
     SELECT ${shape.select}, count(*)::int AS event_count
       FROM events
      WHERE (bucket AT TIME ZONE 'UTC')::date BETWEEN $2::date AND $3::date
        AND ($4::text IS NULL OR value = $4)
      GROUP BY ${shape.group}
      ORDER BY ${shape.order}`,
    [query.window, query.dateFrom, query.dateTo, query.filter ?? null],
  );
  return rows;
}

export function runUrl(slug: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const query = search.toString();
  return `/api/v1/reports/${slug}/run${query ? `?${query}` : ''}`;
}

/** Every page of a run, `pageSize` rows at a time; checks the per-page envelope on the way. */
export async function runAllPages(
  http: TestApp['http'],
  slug: string,
  params: Record<string, string | number | undefined>,
  pageSize: number,
): Promise<{ rows: Row[]; total: number; pages: number }> {
  const rows: Row[] = [];
  let total = 0;
  let pages = 0;
  for (let offset = 0; pages === 0 || offset < total; offset += pageSize) {
    const res = await http.get(runUrl(slug, { ...params, limit: pageSize, offset }));
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    const { data, meta } = res.body;
    expect(meta.pagination).toEqual({ limit: pageSize, offset, total: expect.any(Number) });
    expect(data.row_count).toBe(data.rows.length);
    expect(data.rows.length).toBeLessThanOrEqual(pageSize);
    if (pages > 0) expect(meta.pagination.total).toBe(total);
    total = meta.pagination.total;
    rows.push(...data.rows);
    pages += 1;
  }
  return { rows, total, pages };
}
