import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry } from '../database/entities/index.js';

export interface NewAuditEntry {
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  metadata: Record<string, unknown>;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
}

const ENTRY_COLUMNS = `id, actor, action, resource_type AS "resourceType",
  resource_id AS "resourceId", metadata, created_at AS "createdAt"`;

const FILTER = `($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor = $2)`;

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts one entry, inside the caller's transaction when a manager is given. */
  async insert(
    entry: NewAuditEntry,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_entries (actor, action, resource_type, resource_id, metadata)
       VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [
        entry.actor,
        entry.action,
        entry.resourceType,
        entry.resourceId,
        JSON.stringify(entry.metadata),
      ],
    );
  }

  /** One page of entries, newest first (ties broken by id, so pages never overlap). */
  list(filter: AuditFilter, limit: number, offset: number): Promise<AuditEntry[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE ${FILTER}
        ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [filter.action ?? null, filter.actor ?? null, limit, offset],
    );
  }

  async count(filter: AuditFilter): Promise<number> {
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM audit_entries WHERE ${FILTER}`,
      [filter.action ?? null, filter.actor ?? null],
    );
    return total;
  }
}
