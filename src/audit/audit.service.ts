import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditEntry } from '../database/entities/index.js';
import { AuditRepository, type AuditFilter, type NewAuditEntry } from './audit.repository.js';

/** The audit trail: every management action and recompute outcome is written here. */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** Writes one entry, inside the caller's transaction when a manager is given. */
  record(entry: NewAuditEntry, manager?: EntityManager): Promise<void> {
    return this.audit.insert(entry, manager);
  }

  async list(
    filter: AuditFilter,
    limit: number,
    offset: number,
  ): Promise<{ items: AuditEntry[]; total: number }> {
    const [items, total] = await Promise.all([
      this.audit.list(filter, limit, offset),
      this.audit.count(filter),
    ]);
    return { items, total };
  }
}
