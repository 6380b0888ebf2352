import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The seven tables of the data model with their constraints and indexes. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_sources (
        id            bigserial PRIMARY KEY,
        slug          text NOT NULL CONSTRAINT event_sources_slug_key UNIQUE,
        provider_name text NOT NULL,
        description   text NOT NULL DEFAULT '',
        is_active     boolean NOT NULL DEFAULT true,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE analytics_events (
        id            bigserial PRIMARY KEY,
        source_id     bigint NOT NULL REFERENCES event_sources (id) ON DELETE RESTRICT,
        external_ref  text NOT NULL CONSTRAINT analytics_events_external_ref_key UNIQUE,
        entity_id     text NOT NULL,
        status        text NOT NULL
          CONSTRAINT analytics_events_status_check CHECK (status IN ('success', 'failed', 'pending')),
        processing_ms integer NOT NULL CONSTRAINT analytics_events_processing_ms_check CHECK (processing_ms >= 0),
        amount_cents  integer NOT NULL CONSTRAINT analytics_events_amount_cents_check CHECK (amount_cents >= 0),
        occurred_at   timestamptz NOT NULL,
        payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX analytics_events_occurred_at_idx ON analytics_events (occurred_at)`,
    );
    await db.query(
      `CREATE INDEX analytics_events_source_occurred_at_idx ON analytics_events (source_id, occurred_at)`,
    );
    await db.query(
      `CREATE INDEX analytics_events_status_occurred_at_idx ON analytics_events (status, occurred_at)`,
    );
    await db.query(
      `CREATE INDEX analytics_events_entity_occurred_at_idx ON analytics_events (entity_id, occurred_at)`,
    );
    await db.query(`
      CREATE TABLE report_definitions (
        slug              text PRIMARY KEY,
        name              text NOT NULL,
        description       text NOT NULL DEFAULT '',
        cache_ttl_seconds integer NOT NULL
          CONSTRAINT report_definitions_cache_ttl_check CHECK (cache_ttl_seconds >= 0),
        default_window    text NOT NULL
          CONSTRAINT report_definitions_default_window_check CHECK (default_window IN ('day', 'week')),
        is_public         boolean NOT NULL DEFAULT true,
        supported_filters jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE aggregate_windows (
        id                       bigserial PRIMARY KEY,
        report_slug              text NOT NULL REFERENCES report_definitions (slug) ON DELETE CASCADE,
        window_name              text NOT NULL
          CONSTRAINT aggregate_windows_window_name_check CHECK (window_name IN ('day', 'week')),
        retention_days           integer NOT NULL
          CONSTRAINT aggregate_windows_retention_days_check CHECK (retention_days > 0),
        refresh_interval_minutes integer NOT NULL
          CONSTRAINT aggregate_windows_refresh_interval_check CHECK (refresh_interval_minutes > 0),
        is_default               boolean NOT NULL DEFAULT false,
        CONSTRAINT aggregate_windows_report_window_key UNIQUE (report_slug, window_name)
      )`);
    await db.query(`
      CREATE TABLE recompute_runs (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        report_slug      text NOT NULL REFERENCES report_definitions (slug) ON DELETE CASCADE,
        window_name      text NOT NULL
          CONSTRAINT recompute_runs_window_name_check CHECK (window_name IN ('day', 'week')),
        date_from        date NOT NULL,
        date_to          date NOT NULL,
        requested_by     text NOT NULL,
        status           text NOT NULL DEFAULT 'pending'
          CONSTRAINT recompute_runs_status_check
          CHECK (status IN ('pending', 'running', 'completed', 'failed')),
        requested_at     timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        error_message    text,
        summary          jsonb,
        attempts         integer NOT NULL DEFAULT 0,
        locked_by        text,
        lease_expires_at timestamptz,
        CONSTRAINT recompute_runs_date_range_check CHECK (date_from <= date_to)
      )`);
    // At most one pending/running run per scope, across every instance sharing the database.
    await db.query(`
      CREATE UNIQUE INDEX recompute_runs_active_scope_key
        ON recompute_runs (report_slug, window_name, date_from, date_to)
        WHERE status IN ('pending', 'running')`);
    await db.query(`CREATE INDEX recompute_runs_requested_at_idx ON recompute_runs (requested_at)`);
    await db.query(
      `CREATE INDEX recompute_runs_status_requested_at_idx ON recompute_runs (status, requested_at)`,
    );
    await db.query(`
      CREATE TABLE metric_snapshots (
        id              bigserial PRIMARY KEY,
        report_slug     text NOT NULL REFERENCES report_definitions (slug) ON DELETE CASCADE,
        window_name     text NOT NULL
          CONSTRAINT metric_snapshots_window_name_check CHECK (window_name IN ('day', 'week')),
        bucket_start    timestamptz NOT NULL,
        dimension_key   text NOT NULL,
        dimension_value text NOT NULL,
        metric_name     text NOT NULL,
        metric_value    bigint NOT NULL,
        computed_at     timestamptz NOT NULL DEFAULT now(),
        run_id          uuid REFERENCES recompute_runs (id) ON DELETE SET NULL,
        CONSTRAINT metric_snapshots_bucket_key
          UNIQUE (report_slug, window_name, bucket_start, dimension_key, dimension_value, metric_name)
      )`);
    await db.query(`CREATE INDEX metric_snapshots_run_id_idx ON metric_snapshots (run_id)`);
    await db.query(`
      CREATE TABLE audit_entries (
        id            bigserial PRIMARY KEY,
        actor         text NOT NULL,
        action        text NOT NULL,
        resource_type text NOT NULL,
        resource_id   text,
        metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX audit_entries_created_at_idx ON audit_entries (created_at, id)`);
    await db.query(
      `CREATE INDEX audit_entries_action_created_at_idx ON audit_entries (action, created_at)`,
    );
    await db.query(
      `CREATE INDEX audit_entries_actor_created_at_idx ON audit_entries (actor, created_at)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'audit_entries',
      'metric_snapshots',
      'recompute_runs',
      'aggregate_windows',
      'report_definitions',
      'analytics_events',
      'event_sources',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
