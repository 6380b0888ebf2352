import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Enveloped } from '../common/envelope.js';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope, ApiErrors } from '../common/openapi.js';
import { AuditService } from './audit.service.js';
import { AuditEntryDto, toAuditEntryDto } from './dto/audit-entry.dto.js';
import { ListAuditEntriesQuery } from './dto/list-audit-entries.query.js';

@ApiTags('audit')
@ManagementAuth()
@Controller('audit-entries')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first' })
  @ApiEnvelope(AuditEntryDto, { isArray: true, paginated: true })
  @ApiErrors('invalid_request')
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
