import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsPlainText } from '../../common/validation.js';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsNotEmpty,
  IsString,
  MaxLength,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { WINDOW_NAMES, type WindowName } from '../../database/entities/index.js';
import { dayProblem, MAX_ACTOR_LENGTH, MAX_DAY, MIN_DAY } from '../run-scope.js';

/** A strict `YYYY-MM-DD` calendar day within [MIN_DAY, MAX_DAY]; the message names the field. */
function IsCalendarDay() {
  return ValidateBy({
    name: 'isCalendarDay',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        dayProblem(args?.property ?? 'date', value) === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        dayProblem(args?.property ?? 'date', args?.value) ?? 'invalid date',
    },
  });
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Body of `POST /recomputations`; unknown fields are rejected. */
export class CreateRecomputationDto {
  @ApiProperty({
    description: 'slug of the report to rebuild',
    example: 'volume-by-period',
    maxLength: 100,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @IsPlainText()
  report_slug: string;

  @ApiProperty({ enum: WINDOW_NAMES, example: 'day', description: 'snapshot window to rebuild' })
  @IsIn(WINDOW_NAMES)
  window: WindowName;

  @ApiProperty({
    format: 'date',
    example: '2026-11-01',
    description: `first day (UTC, inclusive); a week run starts at the Monday of its week. ${MIN_DAY}..${MAX_DAY}`,
  })
  @IsCalendarDay()
  date_from: string;

  @ApiProperty({
    format: 'date',
    example: '2026-11-30',
    description:
      'last day (UTC, inclusive), not before date_from; a week run ends with the Sunday of ' +
      'its week. The range may not exceed MAX_REPORT_RANGE_DAYS (default 366).',
  })
  @IsCalendarDay()
  date_to: string;

  @ApiPropertyOptional({
    example: 'alice@ops',
    maxLength: MAX_ACTOR_LENGTH,
    description:
      'who asks for the run (audit actor); defaults to the X-Actor header, else management-api',
  })
  @ValidateIf((dto: CreateRecomputationDto) => dto.requested_by !== undefined)
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ACTOR_LENGTH)
  @IsPlainText()
  requested_by?: string;
}
