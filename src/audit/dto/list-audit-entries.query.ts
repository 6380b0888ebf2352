import { ApiPropertyOptional } from '@nestjs/swagger';
import { textProblem } from '../../common/input-rules.js';
import { PaginationQuery } from '../../common/pagination.query.js';
import { queryParameter, Rule } from '../../common/validation.js';

const MAX_LENGTH = 200;
const exactText = queryParameter((field, value) =>
  textProblem(field, value, { max: MAX_LENGTH, lookup: true }),
);

/** Query of `GET /audit-entries`. */
export class ListAuditEntriesQuery extends PaginationQuery {
  @ApiPropertyOptional({
    description: 'exact action, e.g. `recompute.completed` (see the actions of AuditEntryDto)',
    maxLength: MAX_LENGTH,
  })
  @Rule(exactText)
  action?: string;

  @ApiPropertyOptional({
    description: 'exact actor, e.g. `seed` (the demo data) or `recompute-worker`',
    maxLength: MAX_LENGTH,
  })
  @Rule(exactText)
  actor?: string;
}
