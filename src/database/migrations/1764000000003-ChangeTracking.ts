import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change tracking: every change to `analytics_events` marks the UTC days it touches as dirty
 * for every report and window, in the same transaction, whoever makes it (the API, the importer
 * or plain SQL from another system). The scheduler turns the marks into rebuilds; a rebuild
 * clears the marks it covered (see docs/freshness.md for why `marked_xid` makes that safe).
 *
 * Also: the `occurred_at` index gains `id`, for the keyset pagination of `GET /events`
 * (newest first by `occurred_at`, `id`).
 */
export class ChangeTracking1764000000003 implements MigrationInterface {
  name = 'ChangeTracking1764000000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX analytics_events_occurred_at_idx`);
    await db.query(
      `CREATE INDEX analytics_events_occurred_at_idx ON analytics_events (occurred_at, id)`,
    );
    await db.query(`
      CREATE TABLE snapshot_dirty_days (
        report_slug     text NOT NULL,
        window_name     text NOT NULL,
        day             date NOT NULL,
        first_marked_at timestamptz NOT NULL DEFAULT now(),
        last_marked_at  timestamptz NOT NULL DEFAULT now(),
        marked_xid      bigint NOT NULL,
        CONSTRAINT snapshot_dirty_days_pkey PRIMARY KEY (report_slug, window_name, day),
        CONSTRAINT snapshot_dirty_days_window_fkey FOREIGN KEY (report_slug, window_name)
          REFERENCES aggregate_windows (report_slug, window_name) ON DELETE CASCADE
      )`);
    // Marks (report, window, day) triples dirty, given as three parallel arrays. Rows are
    // written in key order, so two transactions marking overlapping days never deadlock. A day
    // already dirty keeps its first_marked_at (the refresh deadline counts from it) and records
    // its latest writer.
    await db.query(`
      CREATE FUNCTION tally_mark_dirty(reports text[], windows text[], days date[]) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO snapshot_dirty_days AS d (report_slug, window_name, day, marked_xid)
        SELECT m.report_slug, m.window_name, m.day, pg_current_xact_id()::text::bigint
          FROM unnest(reports, windows, days) AS m(report_slug, window_name, day)
         WHERE m.day IS NOT NULL
         ORDER BY 1, 2, 3
        ON CONFLICT (report_slug, window_name, day) DO UPDATE
          SET last_marked_at = now(), marked_xid = excluded.marked_xid
          WHERE d.marked_xid <> excluded.marked_xid
      $$`);
    await db.query(`
      CREATE FUNCTION tally_events_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        days date[];
      BEGIN
        -- Retention's deletes of old raw events change no fact the snapshots hold: they keep
        -- their history, so the pruner's transaction sets this and leaves no marks.
        IF current_setting('tally.retention_prune', true) = 'on' THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'TRUNCATE' THEN
          -- Every bucket that has snapshots may have changed.
          PERFORM tally_mark_dirty(array_agg(report_slug), array_agg(window_name), array_agg(day))
             FROM (SELECT DISTINCT report_slug, window_name,
                          (bucket_start AT TIME ZONE 'UTC')::date AS day
                     FROM metric_snapshots) AS buckets;
          RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN
          days := ARRAY(SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
          days := ARRAY(SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM old_rows);
        ELSE
          -- Only rows whose aggregated columns changed: their old and their new day.
          days := ARRAY(
            SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM (
              (SELECT id, occurred_at, source_id, status, entity_id FROM old_rows
               EXCEPT SELECT id, occurred_at, source_id, status, entity_id FROM new_rows)
              UNION ALL
              (SELECT id, occurred_at, source_id, status, entity_id FROM new_rows
               EXCEPT SELECT id, occurred_at, source_id, status, entity_id FROM old_rows)
            ) AS changed);
        END IF;
        -- Every report and window reads every event.
        PERFORM tally_mark_dirty(array_agg(w.report_slug), array_agg(w.window_name), array_agg(d.day))
           FROM unnest(days) AS d(day) CROSS JOIN aggregate_windows w;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER analytics_events_inserted AFTER INSERT ON analytics_events
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION tally_events_changed()`);
    await db.query(`
      CREATE TRIGGER analytics_events_updated AFTER UPDATE ON analytics_events
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION tally_events_changed()`);
    await db.query(`
      CREATE TRIGGER analytics_events_deleted AFTER DELETE ON analytics_events
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION tally_events_changed()`);
    await db.query(`
      CREATE TRIGGER analytics_events_truncated AFTER TRUNCATE ON analytics_events
        FOR EACH STATEMENT EXECUTE FUNCTION tally_events_changed()`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const trigger of ['inserted', 'updated', 'deleted', 'truncated']) {
      await db.query(`DROP TRIGGER analytics_events_${trigger} ON analytics_events`);
    }
    await db.query(`DROP FUNCTION tally_events_changed()`);
    await db.query(`DROP FUNCTION tally_mark_dirty(text[], text[], date[])`);
    await db.query(`DROP TABLE snapshot_dirty_days`);
    await db.query(`DROP INDEX analytics_events_occurred_at_idx`);
    await db.query(
      `CREATE INDEX analytics_events_occurred_at_idx ON analytics_events (occurred_at)`,
    );
  }
}
