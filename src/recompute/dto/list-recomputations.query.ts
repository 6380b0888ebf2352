import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsPlainText } from '../../common/validation.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { RUN_STATUSES, type RunStatus } from '../../database/entities/index.js';

/** Query of `GET /recomputations`. */
export class ListRecomputationsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES, example: 'failed', description: 'exact status' })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @ApiPropertyOptional({
    example: 'volume-by-period',
    description: 'exact report slug',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @IsPlainText()
  report_slug?: string;
}
