import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { REFERENCE_SOURCES } from '../events/reference-sources.js';

/** The demo data's SQL: generated events, and the reset of the demo tables. */
@Injectable()
export class DemoDataRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hasAny(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query('SELECT 1 FROM analytics_events LIMIT 1');
    return rows.length > 0;
  }

  /**
   * Inserts the demo events for i = 1 … count (the rules are in the README), generated in SQL,
   * relative to `now`.
   * Returns how many rows were inserted.
   */
  async insertDemoEvents(manager: EntityManager, count: number, now: Date): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO analytics_events
           (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at, payload)
         SELECT src.id,
                'evt-' || i,
                'entity-' || (i % 240 + 1),
                CASE WHEN i % 17 = 0 THEN 'failed' WHEN i % 11 = 0 THEN 'pending' ELSE 'success' END,
                80 + i % 700,
                100 + (i::bigint * 37) % 100000,
                date_trunc('hour', $2::timestamptz - make_interval(days => i % 90, hours => i % 24), 'UTC'),
                jsonb_build_object(
                  'region', (ARRAY['us-east', 'eu-west', 'ap-south'])[i % 3 + 1],
                  'batch', i / 100,
                  'provider_rank', i % 5)
           FROM generate_series(1, $1::int) AS i
           JOIN event_sources src ON src.slug = ($3::text[])[i % cardinality($3::text[]) + 1]
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [count, now.toISOString(), REFERENCE_SOURCES],
    );
    return inserted;
  }

  /** Empties the demo tables: events, snapshots, recompute runs and dirty marks. */
  async resetDemoTables(manager: EntityManager): Promise<void> {
    await manager.query(
      'TRUNCATE analytics_events, metric_snapshots, recompute_runs, snapshot_dirty_days RESTART IDENTITY',
    );
  }
}
