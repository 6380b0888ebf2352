import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Report runs now tell how fresh their rows are (`meta.freshness.as_of`, the oldest
 * `computed_at` read): the report read index carries `computed_at` too, so runs stay
 * index-only scans. Same name, same key columns; one more included column.
 */
export class ReportReadFreshness1764000000004 implements MigrationInterface {
  name = 'ReportReadFreshness1764000000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX metric_snapshots_report_read_idx`);
    await db.query(`
      CREATE INDEX metric_snapshots_report_read_idx ON metric_snapshots
        (report_slug, window_name, metric_name, dimension_key, bucket_start, dimension_value)
        INCLUDE (metric_value, computed_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX metric_snapshots_report_read_idx`);
    await db.query(`
      CREATE INDEX metric_snapshots_report_read_idx ON metric_snapshots
        (report_slug, window_name, metric_name, dimension_key, bucket_start, dimension_value)
        INCLUDE (metric_value)`);
  }
}
