import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reference data: three report definitions, their six aggregate windows and three event
 * sources. Idempotent: existing rows are left alone.
 *
 * The report rows are the declaration of `REPORT_CATALOG` (src/snapshots/report-catalog.ts) as
 * it was when they shipped, written out here rather than imported: a migration is history and
 * must insert the same rows whatever the code becomes. test/e2e/schema.e2e-spec.ts checks that a
 * migrated database agrees with the catalog; a later change of the catalog comes with a new
 * migration that updates these rows.
 */
export class ReferenceData1764000000001 implements MigrationInterface {
  name = 'ReferenceData1764000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      INSERT INTO report_definitions
        (slug, name, description, cache_ttl_seconds, default_window, is_public, supported_filters)
      VALUES
        ('volume-by-period', 'Volume by Period',
         'Event counts per period, optionally broken down or filtered by event source.',
         120, 'day', true, '["source"]'::jsonb),
        ('status-counts', 'Status Counts',
         'Event counts per processing status, optionally per period.',
         90, 'day', true, '["status"]'::jsonb),
        ('top-entities', 'Top Entities',
         'Entities ranked by event count over the range.',
         45, 'day', true, '[]'::jsonb)
      ON CONFLICT (slug) DO NOTHING`);
    await db.query(`
      INSERT INTO aggregate_windows
        (report_slug, window_name, retention_days, refresh_interval_minutes, is_default)
      VALUES
        ('volume-by-period', 'day', 365, 60, true),
        ('volume-by-period', 'week', 730, 240, false),
        ('status-counts', 'day', 365, 60, true),
        ('status-counts', 'week', 730, 240, false),
        ('top-entities', 'day', 180, 120, true),
        ('top-entities', 'week', 365, 360, false)
      ON CONFLICT (report_slug, window_name) DO NOTHING`);
    await db.query(`
      INSERT INTO event_sources (slug, provider_name, description)
      VALUES
        ('stripe', 'Stripe', 'Stripe payment events'),
        ('adyen', 'Adyen', 'Adyen payment events'),
        ('paypal', 'PayPal', 'PayPal payment events')
      ON CONFLICT (slug) DO NOTHING`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM aggregate_windows
      WHERE report_slug IN ('volume-by-period', 'status-counts', 'top-entities')`);
    await db.query(`DELETE FROM report_definitions
      WHERE slug IN ('volume-by-period', 'status-counts', 'top-entities')`);
    await db.query(`DELETE FROM event_sources WHERE slug IN ('stripe', 'adyen', 'paypal')`);
  }
}
