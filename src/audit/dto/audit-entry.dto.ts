import { ApiProperty } from '@nestjs/swagger';
import type { AuditEntry } from '../../database/entities/index.js';

/** One audit entry as the management API shows it. */
export class AuditEntryDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ example: 'alice@ops', description: 'who acted (recompute-worker for outcomes)' })
  actor: string;

  @ApiProperty({
    example: 'recompute.triggered',
    description: 'recompute.triggered, recompute.completed, recompute.failed, demo.seeded, …',
  })
  action: string;

  @ApiProperty({ example: 'recompute_run' })
  resource_type: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '5f0c6f3e-2b7a-4a43-9d51-0a8f3c7e2b19',
  })
  resource_id: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      report_slug: 'volume-by-period',
      window: 'day',
      date_from: '2026-11-01',
      date_to: '2026-11-30',
    },
  })
  metadata: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: '2026-11-30T09:00:00.000Z' })
  created_at: string;
}

export function toAuditEntryDto(entry: AuditEntry): AuditEntryDto {
  return {
    id: Number(entry.id),
    actor: entry.actor,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    metadata: entry.metadata,
    created_at: new Date(entry.createdAt).toISOString(),
  };
}
