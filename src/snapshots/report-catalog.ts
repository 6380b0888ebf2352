import type { WindowName } from '../database/entities/index.js';

/**
 * How the rows of a run are grouped:
 * - `period`: one row per bucket, `{bucket_date, event_count}`, by bucket_date;
 * - `period_dimension`: one row per bucket and dimension value, by bucket_date then value;
 * - `dimension`: one row per dimension value over the whole range, by event_count desc then value.
 */
export type RowLayout = 'period' | 'period_dimension' | 'dimension';

/** The query parameters that filter a report on its dimension value. */
export const FILTER_PARAMETERS = ['source', 'status'] as const;
export type FilterParameter = (typeof FILTER_PARAMETERS)[number];

export interface ReportWindow {
  /** How many days of buckets are kept. */
  retentionDays: number;
  /** How often the snapshots of this window are refreshed. */
  refreshIntervalMinutes: number;
}

/** Everything Tally knows about one report. */
export interface ReportDeclaration {
  name: string;
  description: string;
  cacheTtlSeconds: number;
  defaultWindow: WindowName;
  /** Every window the report has snapshots for, day first. */
  windows: Readonly<Record<WindowName, ReportWindow>>;
  /**
   * What the report counts by: the snapshot `dimension_key` (also the row property and, where
   * the report has a filter, its name) and the SQL over `analytics_events e` (joined to
   * `event_sources s` by `join`) that gives its value. Constants of the code, never user input.
   */
  dimension: { key: string; expression: string; join: string };
  /** Accepted `breakdown` values and the layout each gives; empty when the report has none. */
  breakdowns: Readonly<Record<string, RowLayout>>;
  /** The layout when `breakdown` is omitted. */
  defaultLayout: RowLayout;
  /** Filters the report accepts; a filter's name is the report's dimension key. */
  filters: readonly FilterParameter[];
}

const JOIN_SOURCES = 'JOIN event_sources s ON s.id = e.source_id';

/** A year of days and two years of weeks, refreshed hourly and every four hours. */
const STANDARD_WINDOWS: Record<WindowName, ReportWindow> = {
  day: { retentionDays: 365, refreshIntervalMinutes: 60 },
  week: { retentionDays: 730, refreshIntervalMinutes: 240 },
};

const CATALOG = {
  'volume-by-period': {
    name: 'Volume by Period',
    description: 'Event counts per period, optionally broken down or filtered by event source.',
    cacheTtlSeconds: 120,
    defaultWindow: 'day',
    windows: STANDARD_WINDOWS,
    dimension: { key: 'source', expression: 's.slug', join: JOIN_SOURCES },
    breakdowns: { period: 'period', source: 'period_dimension' },
    defaultLayout: 'period',
    filters: ['source'],
  },
  'status-counts': {
    name: 'Status Counts',
    description: 'Event counts per processing status, optionally per period.',
    cacheTtlSeconds: 90,
    defaultWindow: 'day',
    windows: STANDARD_WINDOWS,
    dimension: { key: 'status', expression: 'e.status', join: '' },
    breakdowns: { status: 'dimension', period: 'period_dimension' },
    defaultLayout: 'dimension',
    filters: ['status'],
  },
  'top-entities': {
    name: 'Top Entities',
    description: 'Entities ranked by event count over the range.',
    cacheTtlSeconds: 45,
    defaultWindow: 'day',
    windows: {
      day: { retentionDays: 180, refreshIntervalMinutes: 120 },
      week: { retentionDays: 365, refreshIntervalMinutes: 360 },
    },
    dimension: { key: 'entity_id', expression: 'e.entity_id', join: '' },
    breakdowns: {},
    defaultLayout: 'dimension',
    filters: [],
  },
} satisfies Record<string, ReportDeclaration>;

export type ReportSlug = keyof typeof CATALOG;

/**
 * Every report, declared once: the snapshot SQL, the run parameters and row shapes, the OpenAPI
 * document, the demo data, the benchmarks and the tests' list of reports derive from it.
 *
 * The rows of `report_definitions` and `aggregate_windows` were written from it by the
 * reference-data migration (1764000000001-ReferenceData), which restates the values instead of
 * importing them: a migration is history and must not change when this code does. A test checks
 * that a migrated database agrees with this declaration (test/e2e/schema.e2e-spec.ts), so a
 * change here needs a new migration that updates those rows.
 */
export const REPORT_CATALOG: Readonly<Record<ReportSlug, ReportDeclaration>> = CATALOG;

export const REPORT_SLUGS = Object.keys(REPORT_CATALOG) as ReportSlug[];

export function isReportSlug(slug: string): slug is ReportSlug {
  return Object.hasOwn(REPORT_CATALOG, slug);
}

/** Every breakdown name some report accepts (for the OpenAPI enum). */
export const BREAKDOWN_NAMES = [
  ...new Set(Object.values(REPORT_CATALOG).flatMap((report) => Object.keys(report.breakdowns))),
];

/** The one metric stored today. */
export const EVENT_COUNT = 'event_count';
