import { ApiPropertyOptional } from '@nestjs/swagger';
import { oneOfProblem, slugProblem } from '../../common/input-rules.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { queryParameter, Rule } from '../../common/validation.js';
import { RUN_STATUSES, type RunStatus } from '../../database/entities/index.js';

/** Query of `GET /recomputations`. */
export class ListRecomputationsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES, example: 'failed', description: 'exact status' })
  @Rule(queryParameter((field, value) => oneOfProblem(field, value, RUN_STATUSES)))
  status?: RunStatus;

  @ApiPropertyOptional({
    example: 'volume-by-period',
    description: 'exact report slug',
    maxLength: 64,
  })
  @Rule(queryParameter(slugProblem))
  report_slug?: string;
}
