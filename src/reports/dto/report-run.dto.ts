import { ApiProperty, type SchemaObject } from '@nestjs/swagger';
import { exampleDay, exampleTime } from '../../common/example-dates.js';
import { SLUG_PATTERN } from '../../common/input-rules.js';
import { PaginationDto } from '../../common/openapi.js';
import { EVENT_STATUSES, WINDOW_NAMES, type WindowName } from '../../database/entities/index.js';
import { SOURCE_SLUGS_NOTE } from '../../events/reference-sources.js';
import { REPORT_SLUGS } from '../../snapshots/report-catalog.js';

const BUCKET_DATE: SchemaObject = {
  type: 'string',
  format: 'date',
  example: exampleDay(-29),
  description: 'UTC date of the bucket start (for `week`, the Monday).',
};
const EVENT_COUNT: SchemaObject = {
  type: 'integer',
  minimum: 1,
  example: 278,
  description: 'Events counted (a JSON number).',
};
const STATUS: SchemaObject = { type: 'string', enum: [...EVENT_STATUSES], example: 'success' };

function rowSchema(
  title: string,
  description: string,
  properties: Record<string, SchemaObject>,
): SchemaObject {
  // Closed objects, so that exactly one of the shapes matches any row (`oneOf`).
  return {
    title,
    description,
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  };
}

/** The row shapes of a run; which one a run returns depends on report and breakdown. */
export const ROW_SCHEMAS: SchemaObject[] = [
  rowSchema('PeriodRow', 'volume-by-period, breakdown omitted or `period`: by bucket_date.', {
    bucket_date: BUCKET_DATE,
    event_count: EVENT_COUNT,
  }),
  rowSchema('PeriodSourceRow', 'volume-by-period, breakdown `source`: by bucket_date, source.', {
    bucket_date: BUCKET_DATE,
    source: {
      type: 'string',
      example: 'stripe',
      pattern: SLUG_PATTERN.source,
      description: `Event source slug. ${SOURCE_SLUGS_NOTE}`,
    },
    event_count: EVENT_COUNT,
  }),
  rowSchema(
    'StatusRow',
    'status-counts, breakdown omitted or `status`: by event_count desc, status.',
    { status: STATUS, event_count: EVENT_COUNT },
  ),
  rowSchema('PeriodStatusRow', 'status-counts, breakdown `period`: by bucket_date, status.', {
    bucket_date: BUCKET_DATE,
    status: STATUS,
    event_count: EVENT_COUNT,
  }),
  rowSchema('EntityRow', 'top-entities: by event_count desc, entity_id.', {
    entity_id: { type: 'string', example: 'entity-17' },
    event_count: EVENT_COUNT,
  }),
];

/** Where report rows are read from: always the precomputed snapshots, never raw events. */
export const SOURCE_SYSTEM = 'metric_snapshots';

/** The result of a report run (one page of rows). */
export class ReportRunDto {
  @ApiProperty({ enum: REPORT_SLUGS, example: 'volume-by-period' })
  report_slug: string;

  @ApiProperty({ enum: WINDOW_NAMES, example: 'day' })
  window: WindowName;

  @ApiProperty({ type: String, format: 'date', example: exampleDay(-29) })
  date_from: string;

  @ApiProperty({ type: String, format: 'date', example: exampleDay() })
  date_to: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: exampleTime(0, '06:30:00.000Z'),
    description: 'When these rows were read from the snapshots (for a cache hit: when cached).',
  })
  generated_at: string;

  @ApiProperty({
    type: 'array',
    description:
      'One page of rows. Their shape depends on the report and breakdown: volume-by-period → ' +
      'PeriodRow (breakdown omitted/`period`) or PeriodSourceRow (`source`); status-counts → ' +
      'StatusRow (omitted/`status`) or PeriodStatusRow (`period`); top-entities → EntityRow.',
    items: { oneOf: ROW_SCHEMAS },
  })
  rows: Record<string, string | number>[];

  @ApiProperty({ type: 'integer', example: 30, description: 'Rows on this page.' })
  row_count: number;

  @ApiProperty({
    example: 1.84,
    description:
      'Milliseconds spent producing this response: the snapshot query on a miss, the cache ' +
      'lookup on a hit.',
  })
  execution_ms: number;

  @ApiProperty({ example: false, description: 'Whether the rows came from the result cache.' })
  cache_hit: boolean;

  @ApiProperty({
    enum: [SOURCE_SYSTEM],
    example: SOURCE_SYSTEM,
    description: 'The table the rows were computed from: always the `metric_snapshots` rollups.',
  })
  source_system: typeof SOURCE_SYSTEM;
}

export class ReportFreshnessDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: exampleTime(0, '06:00:02.114Z'),
    description:
      'The oldest `computed_at` of the snapshot rows read: the numbers are at least this fresh. ' +
      'Null when the range has no snapshots.',
  })
  as_of: Date | null;

  @ApiProperty({
    example: false,
    description:
      'True when events of a bucket in the range changed since it was rebuilt: the scheduler ' +
      'will refresh it within its window’s refresh interval.',
  })
  stale: boolean;

  @ApiProperty({ example: 0, description: 'The dirty days in the buckets of the range.' })
  dirty_days: number;
}

export class ReportRunMetaDto {
  @ApiProperty({ example: false, description: 'Same as `data.cache_hit`.' })
  cache_hit: boolean;

  @ApiProperty({
    type: PaginationDto,
    description: '`total` counts every row of the result, not just this page.',
  })
  pagination: PaginationDto;

  @ApiProperty({
    type: ReportFreshnessDto,
    description:
      'How fresh the rows are; a cached answer carries the freshness of when it was computed.',
  })
  freshness: ReportFreshnessDto;
}
