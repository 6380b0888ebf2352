import { ApiPropertyOptional } from '@nestjs/swagger';
import { oneOfProblem } from '../../common/input-rules.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { queryParameter, Rule } from '../../common/validation.js';
import { RUN_STATUSES, type RunStatus } from '../../database/entities/index.js';
import { REPORT_SLUGS } from '../../snapshots/report-catalog.js';

/** Query of `GET /recomputations`. */
export class ListRecomputationsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES, description: 'exact status' })
  @Rule(queryParameter((field, value) => oneOfProblem(field, value, RUN_STATUSES)))
  status?: RunStatus;

  @ApiPropertyOptional({
    enum: REPORT_SLUGS,
    description: 'exact report slug, one of the catalog (another is a 400, as a typo would be)',
  })
  @Rule(queryParameter((field, value) => oneOfProblem(field, value, REPORT_SLUGS)))
  report_slug?: string;
}
