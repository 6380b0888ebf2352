import { ApiProperty } from '@nestjs/swagger';
import { exampleDay, exampleTime } from '../../common/example-dates.js';
import { WINDOW_NAMES, type WindowName } from '../../database/entities/index.js';
import { REPORT_SLUGS } from '../../snapshots/report-catalog.js';

/** How fresh one report and window is. */
export class FreshnessDto {
  @ApiProperty({ enum: REPORT_SLUGS, example: 'volume-by-period' })
  report_slug: string;

  @ApiProperty({ enum: WINDOW_NAMES, example: 'day' })
  window: WindowName;

  @ApiProperty({
    example: 2,
    description: 'days (in retention) whose events changed since their buckets were rebuilt',
  })
  dirty_days: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: exampleTime(0, '05:12:40.118Z'),
    description: 'when the oldest of those days became dirty (the refresh deadline counts from it)',
  })
  oldest_dirty_at: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: exampleTime(0, '04:15:02.530Z'),
    description: 'when the latest completed run of this report and window finished',
  })
  last_refreshed_at: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: exampleTime(0, '06:12:40.118Z'),
    description:
      'when the dirty days are due: oldest_dirty_at + refresh_interval_minutes (null when clean)',
  })
  next_refresh_at: Date | null;

  @ApiProperty({ example: 60 })
  refresh_interval_minutes: number;

  @ApiProperty({ example: 365 })
  retention_days: number;

  @ApiProperty({
    format: 'date',
    example: exampleDay(-365),
    description: 'the first day kept: buckets starting before it are deleted',
  })
  retention_start: string;
}
