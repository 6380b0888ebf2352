import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WindowName } from '../database/entities/index.js';
import {
  EVENT_COUNT,
  REPORT_CATALOG,
  type ReportSlug,
  type RowLayout,
} from '../snapshots/report-catalog.js';
import type { CatalogQuery, RunQuery } from './report-query.js';

/** A report definition as the API shows it (before the code-defined breakdowns are added). */
export interface DefinitionRow {
  slug: string;
  name: string;
  description: string;
  cache_ttl_seconds: number;
  default_window: WindowName;
  allowed_windows: WindowName[];
  supported_filters: string[];
  created_at: Date;
  updated_at: Date;
}

/** One result row of a run: `bucket_date` and/or the dimension column, and `event_count`. */
export type ReportRow = Record<string, string | number>;

export interface Page<T> {
  rows: T[];
  total: number;
}

/** How fresh a run's rows are (`meta.freshness`). */
export interface Freshness {
  /** The oldest `computed_at` of the snapshot rows read; null when none were. */
  as_of: Date | null;
  /** A bucket of the range has a dirty day: its events changed since it was rebuilt. */
  stale: boolean;
  /** The dirty days in the buckets of the range. */
  dirty_days: number;
}

export interface RunPage extends Page<ReportRow> {
  freshness: Freshness;
}

const DEFINITION_COLUMNS = `
  d.slug, d.name, d.description, d.cache_ttl_seconds, d.default_window,
  ARRAY(SELECT w.window_name FROM aggregate_windows w
         WHERE w.report_slug = d.slug
         ORDER BY array_position(ARRAY['day', 'week'], w.window_name), w.window_name
  ) AS allowed_windows,
  d.supported_filters, d.created_at, d.updated_at`;

/**
 * The catalog's sort allowlist: API name → SQL. User text never reaches the SQL text. Text sorts
 * byte-wise (`COLLATE "C"`), the same on every server whatever its locale.
 */
const CATALOG_SORT_SQL: Record<CatalogQuery['sort'], string> = {
  slug: 'd.slug COLLATE "C"',
  name: 'd.name COLLATE "C"',
  updated_at: 'd.updated_at',
  cache_ttl_seconds: 'd.cache_ttl_seconds',
};

const BUCKET_DATE = `to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS bucket_date`;

/**
 * The grouping of each row layout. Text is ordered byte-wise (`COLLATE "C"`) so the order does
 * not depend on the server's locale. `dimension` is a code constant (source, status, entity_id).
 */
function layoutSql(layout: RowLayout, dimension: string) {
  switch (layout) {
    case 'period':
      return { select: BUCKET_DATE, groupBy: 'bucket_start', orderBy: 'bucket_start' };
    case 'period_dimension':
      return {
        select: `${BUCKET_DATE}, dimension_value AS ${dimension}`,
        groupBy: 'bucket_start, dimension_value',
        orderBy: 'bucket_start, dimension_value COLLATE "C"',
      };
    case 'dimension':
      return {
        select: `dimension_value AS ${dimension}`,
        groupBy: 'dimension_value',
        orderBy: 'event_count DESC, dimension_value COLLATE "C"',
      };
  }
}

/** Report reads: definitions, and report rows from `metric_snapshots` only. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Public definitions matching the catalog query, one page, with the total. */
  async listDefinitions(query: CatalogQuery): Promise<Page<DefinitionRow>> {
    const where = `d.is_public AND ($1::text IS NULL
        OR strpos(lower(d.slug), lower($1)) > 0 OR strpos(lower(d.name), lower($1)) > 0)`;
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows: (DefinitionRow & { total: number })[] = await this.dataSource.query(
      `SELECT ${DEFINITION_COLUMNS}, count(*) OVER () AS total
         FROM report_definitions d
        WHERE ${where}
        ORDER BY ${CATALOG_SORT_SQL[query.sort]} ${direction}, d.slug COLLATE "C"
        LIMIT $2 OFFSET $3`,
      [query.search ?? null, query.limit, query.offset],
    );
    if (rows.length > 0 || query.offset === 0) {
      return { rows: rows.map(({ total: _, ...row }) => row), total: rows[0]?.total ?? 0 };
    }
    // Past the last page the window count has no row to ride on.
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*) AS total FROM report_definitions d WHERE ${where}`,
      [query.search ?? null],
    );
    return { rows: [], total };
  }

  /** A public definition, or undefined. */
  async findDefinition(slug: string): Promise<DefinitionRow | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT ${DEFINITION_COLUMNS} FROM report_definitions d WHERE d.slug = $1 AND d.is_public`,
      [slug],
    );
    return row;
  }

  /** Every public definition: what the run route checks parameters against. */
  listPublicDefinitions(): Promise<DefinitionRow[]> {
    return this.dataSource.query(
      `SELECT ${DEFINITION_COLUMNS} FROM report_definitions d WHERE d.is_public ORDER BY d.slug`,
    );
  }

  /** Slugs of every event source (values of the `source` filter). */
  async listSourceSlugs(): Promise<string[]> {
    const rows: { slug: string }[] = await this.dataSource.query(
      `SELECT slug FROM event_sources ORDER BY slug COLLATE "C"`,
    );
    return rows.map((row) => row.slug);
  }

  /**
   * One page of a report run, the total row count and the freshness of the range, in one
   * statement (window aggregates and an uncorrelated subquery), over `metric_snapshots` and
   * `snapshot_dirty_days` only. A bucket is in range when its start's UTC date lies in
   * [date_from, date_to]. Served by metric_snapshots_report_read_idx (index-only scan) and the
   * primary key of snapshot_dirty_days.
   */
  async runReport(slug: ReportSlug, query: RunQuery): Promise<RunPage> {
    const dimension = REPORT_CATALOG[slug].dimension.key;
    const sql = layoutSql(query.layout, dimension);
    const params: unknown[] = [
      slug,
      query.window,
      EVENT_COUNT,
      dimension,
      query.dateFrom,
      query.dateTo,
    ];
    let where = `report_slug = $1 AND window_name = $2
          AND metric_name = $3 AND dimension_key = $4
          AND bucket_start >= ($5::date)::timestamp AT TIME ZONE 'UTC'
          AND bucket_start < ($6::date + 1)::timestamp AT TIME ZONE 'UTC'`;
    if (query.filter) {
      params.push(query.filter.value);
      where += ` AND dimension_value = $${params.length}`;
    }
    const dirty = `(SELECT count(*)::int FROM snapshot_dirty_days d
        WHERE d.report_slug = $1 AND d.window_name = $2
          AND date_trunc($2, d.day::timestamp)::date BETWEEN $5::date AND $6::date)`;
    const rows: (ReportRow & { total: number; as_of: Date; dirty_days: number })[] =
      await this.dataSource.query(
        `SELECT ${sql.select}, sum(metric_value)::bigint AS event_count, count(*) OVER () AS total,
                min(min(computed_at)) OVER () AS as_of, ${dirty} AS dirty_days
           FROM metric_snapshots
          WHERE ${where}
          GROUP BY ${sql.groupBy}
          ORDER BY ${sql.orderBy}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, query.offset],
      );
    if (rows.length > 0) {
      const [{ total, as_of, dirty_days }] = rows;
      return {
        rows: rows.map(({ total: _t, as_of: _a, dirty_days: _d, ...row }) => row),
        total,
        freshness: { as_of, stale: dirty_days > 0, dirty_days },
      };
    }
    // An empty page (an empty range, or past the last page): the aggregates have no row to
    // ride on.
    const [summary] = await this.dataSource.query(
      `SELECT count(*)::int AS total, min(as_of) AS as_of, ${dirty} AS dirty_days
         FROM (SELECT min(computed_at) AS as_of FROM metric_snapshots
                WHERE ${where} GROUP BY ${sql.groupBy}) AS result`,
      params,
    );
    return {
      rows: [],
      total: summary.total,
      freshness: {
        as_of: summary.as_of,
        stale: summary.dirty_days > 0,
        dirty_days: summary.dirty_days,
      },
    };
  }

  /** The retention of every report's windows (days of snapshots kept). */
  listRetention(): Promise<
    { report_slug: string; window_name: WindowName; retention_days: number }[]
  > {
    return this.dataSource.query(
      `SELECT report_slug, window_name, retention_days FROM aggregate_windows`,
    );
  }
}
