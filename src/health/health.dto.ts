import { ApiProperty } from '@nestjs/swagger';
import { exampleTime } from '../common/example-dates.js';

export class HealthDependenciesDto {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' })
  postgres: 'ok' | 'unavailable';
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'], example: 'ok' })
  status: 'ok' | 'degraded';

  @ApiProperty({ example: 'tally' })
  service: string;

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ example: exampleTime(0, '06:00:00.000Z'), format: 'date-time' })
  timestamp: string;

  @ApiProperty({ type: HealthDependenciesDto })
  dependencies: HealthDependenciesDto;

  @ApiProperty({
    enum: ['ok', 'lagging'],
    example: 'ok',
    description:
      'lagging: a dirty day has waited longer than twice its refresh interval plus a scheduler ' +
      'tick (or the database cannot be asked); reported, not a 503',
  })
  freshness: 'ok' | 'lagging';
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';
}

export class ReadinessChecksDto {
  /** True from the first moment of shutdown (the other checks are then skipped). */
  @ApiProperty({ example: false })
  shutting_down: boolean;

  @ApiProperty({ enum: ['ok', 'unavailable', 'skipped'], example: 'ok' })
  postgres: 'ok' | 'unavailable' | 'skipped';

  /** `unknown` while PostgreSQL does not answer. */
  @ApiProperty({ enum: ['ok', 'pending', 'unknown', 'skipped'], example: 'ok' })
  migrations: 'ok' | 'pending' | 'unknown' | 'skipped';
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'], example: 'ready' })
  status: 'ready' | 'not_ready';

  @ApiProperty({ type: ReadinessChecksDto })
  checks: ReadinessChecksDto;
}
