import { ApiPropertyOptional } from '@nestjs/swagger';
import { IntegerParameter } from './validation.js';

/** Largest offset accepted anywhere (PostgreSQL's int4), so huge values never reach SQL. */
export const MAX_OFFSET = 2_147_483_647;

/** `limit` (1–100, default 20) and `offset` (≥ 0) of the management list routes. */
export class PaginationQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IntegerParameter(1, 100)
  limit: number = 20;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IntegerParameter(0, MAX_OFFSET)
  offset: number = 0;
}
