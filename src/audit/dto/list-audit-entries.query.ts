import { ApiPropertyOptional } from '@nestjs/swagger';
import { textProblem } from '../../common/input-rules.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { queryParameter, Rule } from '../../common/validation.js';

const MAX_LENGTH = 200;
const exactText = queryParameter((field, value) => textProblem(field, value, { max: MAX_LENGTH }));

/** Query of `GET /audit-entries`. */
export class ListAuditEntriesQuery extends PaginationQuery {
  @ApiPropertyOptional({
    example: 'recompute.failed',
    description: 'exact action',
    maxLength: MAX_LENGTH,
  })
  @Rule(exactText)
  action?: string;

  @ApiPropertyOptional({
    example: 'recompute-worker',
    description: 'exact actor',
    maxLength: MAX_LENGTH,
  })
  @Rule(exactText)
  actor?: string;
}
