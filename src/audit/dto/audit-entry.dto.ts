import { ApiProperty } from '@nestjs/swagger';
import { exampleDay, exampleTime } from '../../common/example-dates.js';
import { EXAMPLE_RUN_ID } from '../../common/openapi.js';
import type { AuditEntry } from '../../database/entities/index.js';

/** One audit entry as the management API shows it. */
export class AuditEntryDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ example: 'alice@ops', description: 'who acted (recompute-worker for outcomes)' })
  actor: string;

  @ApiProperty({
    example: 'recompute.triggered',
    description:
      'recompute.triggered, recompute.completed, recompute.failed, demo.seeded, ' +
      'events.ingested, events.imported, events.pruned, snapshots.pruned, source.created, ' +
      'source.updated',
  })
  action: string;

  @ApiProperty({ example: 'recompute_run' })
  resource_type: string;

  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_RUN_ID })
  resource_id: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      report_slug: 'volume-by-period',
      window: 'day',
      date_from: exampleDay(-6),
      date_to: exampleDay(),
    },
  })
  metadata: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: exampleTime(0, '06:00:00.000Z') })
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
