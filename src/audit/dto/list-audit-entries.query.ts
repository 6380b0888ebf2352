import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsPlainText } from '../../common/validation.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** Query of `GET /audit-entries`. */
export class ListAuditEntriesQuery extends PaginationQuery {
  @ApiPropertyOptional({ example: 'recompute.failed', description: 'exact action', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsPlainText()
  action?: string;

  @ApiPropertyOptional({ example: 'recompute-worker', description: 'exact actor', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsPlainText()
  actor?: string;
}
