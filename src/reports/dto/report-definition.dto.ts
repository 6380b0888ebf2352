import { ApiProperty } from '@nestjs/swagger';
import { exampleTime } from '../../common/example-dates.js';
import { WINDOW_NAMES, type WindowName } from '../../database/entities/index.js';
import { BREAKDOWN_NAMES, REPORT_SLUGS } from '../../snapshots/report-catalog.js';

/** A public report definition (`report_definitions` + its `aggregate_windows`). */
export class ReportDefinitionDto {
  @ApiProperty({ enum: REPORT_SLUGS, example: 'volume-by-period' })
  slug: string;

  @ApiProperty({ example: 'Volume by Period' })
  name: string;

  @ApiProperty({
    example: 'Event counts per period, optionally broken down or filtered by event source.',
  })
  description: string;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 120,
    description: 'How long a run result is cached, in seconds; 0 means runs are never cached.',
  })
  cache_ttl_seconds: number;

  @ApiProperty({
    enum: WINDOW_NAMES,
    example: 'day',
    description: 'The `window` of a run by default.',
  })
  default_window: WindowName;

  @ApiProperty({
    enum: WINDOW_NAMES,
    isArray: true,
    example: ['day', 'week'],
    description: 'The windows this report has snapshots for (from `aggregate_windows`), day first.',
  })
  allowed_windows: WindowName[];

  @ApiProperty({
    type: [String],
    example: ['source'],
    description: 'The query parameters of `/run` that filter this report (possibly none).',
  })
  supported_filters: string[];

  @ApiProperty({
    enum: BREAKDOWN_NAMES,
    isArray: true,
    example: ['period', 'source'],
    description:
      'Values `breakdown` accepts on `/run`; the first is what omitting it gives. Empty when the ' +
      'report has no breakdown.',
  })
  supported_breakdowns: string[];

  @ApiProperty({ type: String, format: 'date-time', example: exampleTime(-90, '06:00:00.000Z') })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', example: exampleTime(-90, '06:00:00.000Z') })
  updated_at: Date;
}
