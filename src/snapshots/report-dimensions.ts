/**
 * What each report aggregates: the snapshot `dimension_key` and the SQL expression over
 * `analytics_events e` (joined to `event_sources s` where needed) that gives its value.
 * These are constants of the code, never user input.
 */
export const REPORT_DIMENSIONS = {
  'volume-by-period': {
    key: 'source',
    expression: 's.slug',
    join: 'JOIN event_sources s ON s.id = e.source_id',
  },
  'status-counts': { key: 'status', expression: 'e.status', join: '' },
  'top-entities': { key: 'entity_id', expression: 'e.entity_id', join: '' },
} as const;

export type ReportSlug = keyof typeof REPORT_DIMENSIONS;

export const REPORT_SLUGS = Object.keys(REPORT_DIMENSIONS) as ReportSlug[];

export function isReportSlug(slug: string): slug is ReportSlug {
  return Object.hasOwn(REPORT_DIMENSIONS, slug);
}

/** The one metric stored today. */
export const EVENT_COUNT = 'event_count';
