import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read path of `GET /reports/{slug}/run`: every run filters on report, window, metric and
 * dimension key, takes a range of `bucket_start`, and reads `dimension_value` and
 * `metric_value`. This index answers all five row shapes with an index-only scan (the unique
 * key has `bucket_start` before `dimension_key` and lacks `metric_value`, so it needs heap
 * fetches). See docs/reports.md.
 */
export class ReportReadIndexes1764000000002 implements MigrationInterface {
  name = 'ReportReadIndexes1764000000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX metric_snapshots_report_read_idx ON metric_snapshots
        (report_slug, window_name, metric_name, dimension_key, bucket_start, dimension_value)
        INCLUDE (metric_value)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX metric_snapshots_report_read_idx`);
  }
}
