import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Enveloped } from '../common/envelope.js';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope, ApiErrorExamples, ApiErrors, problemExample } from '../common/openapi.js';
import { AuditService } from './audit.service.js';
import { AuditEntryDto, toAuditEntryDto } from './dto/audit-entry.dto.js';
import { ListAuditEntriesQuery } from './dto/list-audit-entries.query.js';

const UNKNOWN_PARAMETER =
  'page is not a known query parameter (allowed: action, actor, limit, offset)';

@ApiTags('audit')
@ManagementAuth()
@Controller('audit-entries')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first' })
  @ApiEnvelope(AuditEntryDto, { isArray: true, paginated: true })
  @ApiErrorExamples('invalid_request', {
    badLimit: problemExample('limit', 'limit must be between 1 and 100'),
    unprintable: problemExample('action', 'action must contain only printable characters'),
    unknownParameter: problemExample('page', UNKNOWN_PARAMETER),
  })
  @ApiErrors('service_unavailable')
  async list(@Query() query: ListAuditEntriesQuery): Promise<Enveloped<AuditEntryDto[]>> {
    const { items, total } = await this.audit.list(
      { action: query.action, actor: query.actor },
      query.limit,
      query.offset,
    );
    return Enveloped.page(items.map(toAuditEntryDto), {
      limit: query.limit,
      offset: query.offset,
      total,
    });
  }
}
