import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiQuery, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiErrorExamples, ApiErrors, PaginationDto, problemExample } from '../common/openapi.js';
import { exampleDay, exampleTime, exampleWeek } from '../common/example-dates.js';
import { SLUG_PATTERN } from '../common/input-rules.js';
import { EARLIEST_DAY, LATEST_DAY } from '../common/time-rules.js';
import { MAX_OFFSET } from '../common/pagination.query.js';
import { EVENT_STATUSES, WINDOW_NAMES, type WindowName } from '../database/entities/index.js';
import { SOURCE_SLUGS_NOTE } from '../events/reference-sources.js';
import { ReportRunDto, ReportRunMetaDto, SOURCE_SYSTEM } from './dto/report-run.dto.js';
import {
  CATALOG_LIMIT,
  CATALOG_SORTS,
  MAX_SEARCH_LENGTH,
  RUN_LIMIT,
  SORT_ORDERS,
} from './report-query.js';
import {
  BREAKDOWN_NAMES,
  REPORT_CATALOG,
  type FilterParameter,
  type ReportSlug,
} from '../snapshots/report-catalog.js';

/**
 * OpenAPI for the report routes. They read the raw query string (see report-query.ts), so every
 * parameter is described here by hand, with the same bounds and defaults the parser applies.
 */

/** `volume-by-period: \`period\` (default) or \`source\`; …`, from the catalog. */
const BREAKDOWNS_BY_REPORT = Object.entries(REPORT_CATALOG)
  .map(([slug, report]) => {
    const names = Object.entries(report.breakdowns).map(([name, layout]) =>
      layout === report.defaultLayout ? `\`${name}\` (default)` : `\`${name}\``,
    );
    return `${slug}: ${names.length > 0 ? names.join(' or ') : 'none'}`;
  })
  .join('; ');

/** The reports that accept `filter`, from the catalog. */
function reportsFilteredBy(filter: FilterParameter): string {
  const slugs = Object.entries(REPORT_CATALOG).filter(([, report]) =>
    report.filters.includes(filter),
  );
  return slugs.map(([slug]) => slug).join(' and ');
}

const offsetQuery = ApiQuery({
  name: 'offset',
  required: false,
  description: 'Rows to skip.',
  schema: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
});

export function ApiCatalogQuery() {
  return applyDecorators(
    ApiQuery({
      name: 'search',
      required: false,
      description: 'Case-insensitive substring of the slug or the name.',
      schema: { type: 'string', maxLength: MAX_SEARCH_LENGTH },
    }),
    ApiQuery({
      name: 'limit',
      required: false,
      description: 'Page size.',
      schema: {
        type: 'integer',
        minimum: CATALOG_LIMIT.min,
        maximum: CATALOG_LIMIT.max,
        default: CATALOG_LIMIT.default,
      },
    }),
    offsetQuery,
    ApiQuery({
      name: 'sort',
      required: false,
      description: 'Sort column; ties are broken by slug.',
      schema: { type: 'string', enum: [...CATALOG_SORTS], default: 'name' },
    }),
    ApiQuery({
      name: 'order',
      required: false,
      schema: { type: 'string', enum: [...SORT_ORDERS], default: 'asc' },
    }),
  );
}

export function ApiRunQuery() {
  return applyDecorators(
    ApiQuery({
      name: 'window',
      required: false,
      description: "Bucket size. Default: the report's `default_window`.",
      schema: { type: 'string', enum: [...WINDOW_NAMES] },
    }),
    ApiQuery({
      name: 'date_from',
      required: false,
      description:
        'First day (inclusive, UTC) whose bucket is reported: a bucket is in range when the ' +
        'date of its start lies in [date_from, date_to]. Default: date_to − (DEFAULT_REPORT_DAYS ' +
        `− 1), i.e. the last 30 days. The range may not exceed MAX_REPORT_RANGE_DAYS (366), ` +
        "nor start before the first day the report's window keeps (`retention_start` in " +
        '`GET /freshness`). ' +
        `Days from ${EARLIEST_DAY} to ${LATEST_DAY}.`,
      schema: { type: 'string', format: 'date' },
    }),
    ApiQuery({
      name: 'date_to',
      required: false,
      description: 'Last day (inclusive, UTC). Default: today (also when only date_from is given).',
      schema: { type: 'string', format: 'date' },
    }),
    ApiQuery({
      name: 'breakdown',
      required: false,
      description:
        `Row grouping. ${BREAKDOWNS_BY_REPORT}. Any other value is a 400 that lists what the ` +
        'report supports.',
      schema: { type: 'string', enum: BREAKDOWN_NAMES },
    }),
    ApiQuery({
      name: 'source',
      required: false,
      description:
        `${reportsFilteredBy('source')} only: count only this event source (a slug; a source ` +
        `that does not exist is a 400). ${SOURCE_SLUGS_NOTE}`,
      schema: { type: 'string', pattern: SLUG_PATTERN.source },
    }),
    ApiQuery({
      name: 'status',
      required: false,
      description: `${reportsFilteredBy('status')} only: count only this status.`,
      schema: { type: 'string', enum: [...EVENT_STATUSES] },
    }),
    ApiQuery({
      name: 'limit',
      required: false,
      description: 'Page size.',
      schema: {
        type: 'integer',
        minimum: RUN_LIMIT.min,
        maximum: RUN_LIMIT.max,
        default: RUN_LIMIT.default,
      },
    }),
    offsetQuery,
  );
}

const generated = exampleTime(0, '06:30:00.000Z');
const page = (limit: number, total: number) => ({
  cache_hit: false,
  pagination: { limit, offset: 0, total },
  freshness: { as_of: exampleTime(0, '06:00:02.114Z'), stale: false, dirty_days: 0 },
});
const run = (
  slug: ReportSlug,
  window: WindowName,
  dateFrom: string,
  rows: object[],
  total: number,
  limit = 50,
) => ({
  value: {
    data: {
      report_slug: slug,
      window,
      date_from: dateFrom,
      date_to: exampleDay(),
      generated_at: generated,
      rows,
      row_count: rows.length,
      execution_ms: 2.41,
      cache_hit: false,
      source_system: SOURCE_SYSTEM,
    },
    meta: page(limit, total),
  },
});

/** The default range: the last 30 days up to today. */
const LAST_30_DAYS = exampleDay(-29);

/**
 * Responses on the demo data, one per row shape; the first is what "Try it out" gets with the
 * defaults (volume-by-period, the last 30 days).
 */
const RUN_EXAMPLES = {
  'volume-by-period': {
    summary: 'volume-by-period, the defaults (window=day, the last 30 days), limit=3',
    ...run(
      'volume-by-period',
      'day',
      LAST_30_DAYS,
      [
        { bucket_date: exampleDay(-29), event_count: 278 },
        { bucket_date: exampleDay(-28), event_count: 278 },
        { bucket_date: exampleDay(-27), event_count: 278 },
      ],
      30,
      3,
    ),
  },
  'volume-by-period-source': {
    summary:
      'volume-by-period, breakdown=source, window=week, from the Monday 4 weeks ago, limit=3',
    ...run(
      'volume-by-period',
      'week',
      exampleWeek(-4),
      [
        { bucket_date: exampleWeek(-4), source: 'adyen', event_count: 626 },
        { bucket_date: exampleWeek(-4), source: 'paypal', event_count: 556 },
        { bucket_date: exampleWeek(-4), source: 'stripe', event_count: 764 },
      ],
      15,
      3,
    ),
  },
  'status-counts': {
    summary: 'status-counts, breakdown omitted (status)',
    ...run(
      'status-counts',
      'day',
      LAST_30_DAYS,
      [
        { status: 'success', event_count: 6962 },
        { status: 'pending', event_count: 692 },
        { status: 'failed', event_count: 477 },
      ],
      3,
    ),
  },
  'status-counts-period': {
    summary: 'status-counts, breakdown=period, status=failed, limit=2',
    ...run(
      'status-counts',
      'day',
      LAST_30_DAYS,
      [
        { bucket_date: exampleDay(-29), status: 'failed', event_count: 16 },
        { bucket_date: exampleDay(-28), status: 'failed', event_count: 16 },
      ],
      30,
      2,
    ),
  },
  'top-entities': {
    summary: 'top-entities, limit=3',
    ...run(
      'top-entities',
      'day',
      LAST_30_DAYS,
      [
        { entity_id: 'entity-10', event_count: 35 },
        { entity_id: 'entity-100', event_count: 35 },
        { entity_id: 'entity-101', event_count: 35 },
      ],
      234,
      3,
    ),
  },
};

/** The 200 of `/run`: the envelope with ReportRunDto and its meta, one example per row shape. */
export function ApiRunResponse() {
  return applyDecorators(
    ApiExtraModels(ReportRunDto, ReportRunMetaDto, PaginationDto),
    ApiResponse({
      status: 200,
      description: 'One page of the report; `meta.pagination.total` counts every result row.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['data', 'meta'],
            properties: {
              data: { $ref: getSchemaPath(ReportRunDto) },
              meta: { $ref: getSchemaPath(ReportRunMetaDto) },
            },
          },
          examples: RUN_EXAMPLES,
        },
      },
    }),
  );
}

/** Real error bodies of the report routes, by code (the 400s by route). */
const ERROR_EXAMPLES = {
  catalog: {
    limit: problemExample('limit', 'limit must be between 1 and 100'),
    sort: problemExample('sort', 'sort must be one of slug, name, updated_at, cache_ttl_seconds'),
  },
  definition: {
    unknown: problemExample('window', 'window is not a known query parameter (allowed: none)'),
  },
  run: {
    breakdown: problemExample(
      'breakdown',
      'breakdown is not supported by report top-entities (it supports no breakdown)',
    ),
    filter: problemExample(
      'status',
      'status is not a filter of report volume-by-period (it supports: source)',
    ),
    date: problemExample(
      'date_from',
      'date_from must be a real calendar date (2026-02-30 does not exist)',
    ),
    range: problemExample(
      'date_from',
      'date_from to date_to spans 400 days; the maximum is 366 (MAX_REPORT_RANGE_DAYS)',
    ),
    repeated: problemExample('limit', 'limit must be given only once'),
    unknownSource: problemExample('source', 'source must be one of adyen, paypal, stripe'),
    beforeRetention: problemExample(
      'date_from',
      `date_from must not be before ${exampleDay(-180)}: top-entities/day keeps 180 days of ` +
        `snapshots (the first day kept is ${exampleDay(-180)})`,
    ),
  },
};

/** The error responses of a report route, with examples of what that route really answers. */
export function ApiReportErrors(route: keyof typeof ERROR_EXAMPLES, notFound = false) {
  return applyDecorators(
    ApiErrorExamples(
      'invalid_request',
      ERROR_EXAMPLES[route],
      'invalid_request: a parameter is malformed, out of range, repeated or unknown',
    ),
    ...(notFound
      ? [
          ApiErrorExamples('not_found', {
            unknown: { message: 'report not found: no-such-report' },
          }),
        ]
      : []),
    ApiErrors('service_unavailable'),
  );
}
