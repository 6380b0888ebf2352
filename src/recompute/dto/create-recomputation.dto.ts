import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { exampleDay } from '../../common/example-dates.js';
import { oneOfProblem, slugProblem, textProblem } from '../../common/input-rules.js';
import { dayProblem, EARLIEST_DAY, LATEST_DAY } from '../../common/time-rules.js';
import { optional, Rule, Trimmed } from '../../common/validation.js';
import { WINDOW_NAMES, type WindowName } from '../../database/entities/index.js';
import { REPORT_SLUGS } from '../../snapshots/report-catalog.js';
import { MAX_ACTOR_LENGTH } from '../run-scope.js';

/** Body of `POST /recomputations`; unknown fields are rejected. */
export class CreateRecomputationDto {
  @ApiProperty({
    enum: REPORT_SLUGS,
    description: 'the report to rebuild; any other slug is a 404',
    example: 'volume-by-period',
  })
  @Rule(slugProblem)
  report_slug: string;

  @ApiProperty({ enum: WINDOW_NAMES, example: 'day', description: 'snapshot window to rebuild' })
  @Rule((field, value) => oneOfProblem(field, value, WINDOW_NAMES))
  window: WindowName;

  @ApiProperty({
    format: 'date',
    example: exampleDay(-6),
    description: `first day (UTC, inclusive), ${EARLIEST_DAY}..${LATEST_DAY}; a week run starts at the Monday of its week`,
  })
  @Rule(dayProblem)
  date_from: string;

  @ApiProperty({
    format: 'date',
    example: exampleDay(),
    description:
      'last day (UTC, inclusive), not before date_from; a week run ends with the Sunday of ' +
      'its week. The range may not exceed MAX_REPORT_RANGE_DAYS (default 366).',
  })
  @Rule(dayProblem)
  date_to: string;

  @ApiPropertyOptional({
    example: 'alice@ops',
    maxLength: MAX_ACTOR_LENGTH,
    description:
      'who asks for the run (audit actor); defaults to the X-Actor header, else management-api',
  })
  @Trimmed()
  @Rule(optional((field, value) => textProblem(field, value, { max: MAX_ACTOR_LENGTH })))
  requested_by?: string;
}
