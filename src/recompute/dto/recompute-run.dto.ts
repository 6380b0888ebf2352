import { ApiProperty } from '@nestjs/swagger';
import { exampleDay, exampleTime } from '../../common/example-dates.js';
import { EXAMPLE_RUN_ID } from '../../common/openapi.js';
import {
  RUN_STATUSES,
  WINDOW_NAMES,
  type RecomputeRun,
  type RunStatus,
  type WindowName,
} from '../../database/entities/index.js';
import { REPORT_SLUGS } from '../../snapshots/report-catalog.js';

export class RunSummaryDto {
  @ApiProperty({ example: 21, description: 'snapshot rows the rebuild deleted' })
  rows_deleted: number;

  @ApiProperty({ example: 21, description: 'snapshot rows the rebuild inserted' })
  rows_inserted: number;

  @ApiProperty({ example: 7, description: 'whole buckets (days or weeks) rebuilt' })
  bucket_count: number;
}

/** A recompute run as the management API shows it. */
export class RecomputeRunDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN_ID })
  id: string;

  @ApiProperty({ enum: REPORT_SLUGS, example: 'volume-by-period' })
  report_slug: string;

  @ApiProperty({ enum: WINDOW_NAMES, example: 'day' })
  window: WindowName;

  @ApiProperty({ format: 'date', example: exampleDay(-6) })
  date_from: string;

  @ApiProperty({ format: 'date', example: exampleDay() })
  date_to: string;

  @ApiProperty({ example: 'alice@ops' })
  requested_by: string;

  @ApiProperty({
    enum: RUN_STATUSES,
    example: 'completed',
    description: 'pending → running → completed | failed',
  })
  status: RunStatus;

  @ApiProperty({ format: 'date-time', example: exampleTime(0, '06:00:00.000Z') })
  requested_at: string;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: exampleTime(0, '06:00:00.120Z'),
    description: 'when the current (latest) attempt started',
  })
  started_at: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: exampleTime(0, '06:00:00.180Z'),
  })
  finished_at: string | null;

  @ApiProperty({
    type: RunSummaryDto,
    nullable: true,
    description: 'set when the run completed',
  })
  summary: RunSummaryDto | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'why the run failed',
  })
  error_message: string | null;
}

const iso = (value: Date | null): string | null => (value ? new Date(value).toISOString() : null);

export function toRunDto(run: RecomputeRun): RecomputeRunDto {
  return {
    id: run.id,
    report_slug: run.reportSlug,
    window: run.windowName,
    date_from: run.dateFrom,
    date_to: run.dateTo,
    requested_by: run.requestedBy,
    status: run.status,
    requested_at: iso(run.requestedAt)!,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    summary: run.summary
      ? {
          rows_deleted: run.summary.rows_deleted,
          rows_inserted: run.summary.rows_inserted,
          bucket_count: run.summary.bucket_count,
        }
      : null,
    error_message: run.errorMessage,
  };
}
