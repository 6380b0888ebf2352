import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A run this process holds: `attempt` 0 while it waits in the queue, else the claimed attempt. */
export interface HeldRun {
  id: string;
  attempt: number;
}

/** A run no live executor holds: pending with no (or an expired) lease, or running with an expired lease. */
export interface OrphanRun {
  id: string;
  status: 'pending' | 'running';
  attempts: number;
}

/**
 * The lease SQL of `recompute_runs`: renewing what this process holds, finding and adopting
 * what no live process holds, handing everything back at shutdown. Like the lifecycle's
 * transitions (RecomputeRepository), every statement is guarded in its WHERE clause.
 */
@Injectable()
export class RunLeasesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Renews the leases of the runs `owner` holds: queued ones while still pending, claimed ones
   * while the same attempt still holds them. Returns the ids renewed.
   */
  async renewLeases(owner: string, held: HeldRun[], leaseSeconds: number): Promise<string[]> {
    if (held.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH renewed AS (
       UPDATE recompute_runs r SET lease_expires_at = now() + make_interval(secs => $4)
         FROM unnest($2::uuid[], $3::int[]) AS h(id, attempt)
        WHERE r.id = h.id AND r.locked_by = $1
          AND ((h.attempt = 0 AND r.status = 'pending')
               OR (h.attempt > 0 AND r.status = 'running' AND r.attempts = h.attempt))
        RETURNING r.id)
       SELECT id FROM renewed`,
      [owner, held.map((run) => run.id), held.map((run) => run.attempt), leaseSeconds],
    );
    return rows.map((row) => row.id);
  }

  /** Runs no live executor holds, oldest first. */
  findOrphans(limit: number): Promise<OrphanRun[]> {
    return this.dataSource.query(
      `SELECT id, status, attempts FROM recompute_runs
        WHERE (status = 'pending' AND (lease_expires_at IS NULL OR lease_expires_at < now()))
           OR (status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < now()))
        ORDER BY requested_at, id LIMIT $1`,
      [limit],
    );
  }

  /** Takes over the lease of an orphaned pending run, so no other instance queues it too. */
  async adoptPending(id: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const rows = await this.dataSource.query(
      `WITH adopted AS (
       UPDATE recompute_runs SET locked_by = $2, lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND status = 'pending' AND (lease_expires_at IS NULL OR lease_expires_at < now())
        RETURNING 1)
       SELECT * FROM adopted`,
      [id, owner, leaseSeconds],
    );
    return rows.length === 1;
  }

  /**
   * Hands back what `owner` holds when it stops: queued pending runs lose their lease at once
   * and claimed attempts still running have their lease expired, so any live instance takes
   * them over without waiting (a late commit of such an attempt is refused by its guard).
   */
  async release(owner: string, held: HeldRun[]): Promise<void> {
    if (held.length === 0) return;
    await this.dataSource.query(
      `WITH released AS (
       UPDATE recompute_runs r
          SET lease_expires_at = CASE WHEN r.status = 'pending' THEN NULL ELSE now() END,
              locked_by = CASE WHEN r.status = 'pending' THEN NULL ELSE r.locked_by END
         FROM unnest($2::uuid[], $3::int[]) AS h(id, attempt)
        WHERE r.id = h.id AND r.locked_by = $1
          AND ((h.attempt = 0 AND r.status = 'pending')
               OR (h.attempt > 0 AND r.status = 'running' AND r.attempts = h.attempt))
        RETURNING 1)
       SELECT count(*) FROM released`,
      [owner, held.map((run) => run.id), held.map((run) => run.attempt)],
    );
  }
}
