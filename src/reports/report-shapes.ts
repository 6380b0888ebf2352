import { EVENT_STATUSES } from '../database/entities/index.js';
import { REPORT_DIMENSIONS, type ReportSlug } from '../snapshots/report-dimensions.js';

/**
 * How the rows of a run are grouped (SPEC §4's table):
 * - `period`: one row per bucket, `{bucket_date, event_count}`, by bucket_date;
 * - `period_dimension`: one row per bucket and dimension value, by bucket_date then value;
 * - `dimension`: one row per dimension value over the whole range, by event_count desc then value.
 */
export type RowLayout = 'period' | 'period_dimension' | 'dimension';

/** The query parameters that filter a report on its dimension value. */
export const FILTER_PARAMETERS = ['source', 'status'] as const;
export type FilterParameter = (typeof FILTER_PARAMETERS)[number];

export interface ReportShape {
  /** Accepted `breakdown` values and the layout each gives; empty when the report has none. */
  breakdowns: Readonly<Record<string, RowLayout>>;
  /** The layout when `breakdown` is omitted. */
  defaultLayout: RowLayout;
  /** Filters the report accepts; a filter's name is the report's dimension key. */
  filters: readonly FilterParameter[];
}

/** Breakdowns and filters per report. Constants of the code, in the order the docs list them. */
export const REPORT_SHAPES: Readonly<Record<ReportSlug, ReportShape>> = {
  'volume-by-period': {
    breakdowns: { period: 'period', source: 'period_dimension' },
    defaultLayout: 'period',
    filters: ['source'],
  },
  'status-counts': {
    breakdowns: { status: 'dimension', period: 'period_dimension' },
    defaultLayout: 'dimension',
    filters: ['status'],
  },
  'top-entities': {
    breakdowns: {},
    defaultLayout: 'dimension',
    filters: [],
  },
};

/** Every breakdown name some report accepts (for the OpenAPI enum). */
export const BREAKDOWN_NAMES = [
  ...new Set(Object.values(REPORT_SHAPES).flatMap((shape) => Object.keys(shape.breakdowns))),
];

/** The `status` filter's values are fixed; `source` values come from `event_sources`. */
export const STATUS_VALUES: readonly string[] = EVENT_STATUSES;

/** The row property that carries the dimension value (`source`, `status`, `entity_id`). */
export function dimensionColumn(slug: ReportSlug): string {
  return REPORT_DIMENSIONS[slug].key;
}
