import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { useTestDatabase } from '../support/context.js';
import type { TestDatabase } from '../support/database.js';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS_LOCK, runMigrations } from '../../src/database/migrate.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { REPORT_CATALOG } from '../../src/snapshots/report-catalog.js';
import { startApp } from '../support/app.js';
import { waitFor } from '../support/recompute.js';

const run = promisify(execFile);

/** The data model, column by column: name → PostgreSQL type. */
const EXPECTED_COLUMNS: Record<string, Record<string, string>> = {
  event_sources: {
    id: 'bigint',
    slug: 'text',
    provider_name: 'text',
    description: 'text',
    is_active: 'boolean',
    created_at: 'timestamp with time zone',
  },
  analytics_events: {
    id: 'bigint',
    source_id: 'bigint',
    external_ref: 'text',
    entity_id: 'text',
    status: 'text',
    processing_ms: 'integer',
    amount_cents: 'integer',
    occurred_at: 'timestamp with time zone',
    payload: 'jsonb',
    created_at: 'timestamp with time zone',
  },
  report_definitions: {
    slug: 'text',
    name: 'text',
    description: 'text',
    cache_ttl_seconds: 'integer',
    default_window: 'text',
    is_public: 'boolean',
    supported_filters: 'jsonb',
    created_at: 'timestamp with time zone',
    updated_at: 'timestamp with time zone',
  },
  aggregate_windows: {
    id: 'bigint',
    report_slug: 'text',
    window_name: 'text',
    retention_days: 'integer',
    refresh_interval_minutes: 'integer',
    is_default: 'boolean',
  },
  metric_snapshots: {
    id: 'bigint',
    report_slug: 'text',
    window_name: 'text',
    bucket_start: 'timestamp with time zone',
    dimension_key: 'text',
    dimension_value: 'text',
    metric_name: 'text',
    metric_value: 'bigint',
    computed_at: 'timestamp with time zone',
    run_id: 'uuid',
  },
  recompute_runs: {
    id: 'uuid',
    report_slug: 'text',
    window_name: 'text',
    date_from: 'date',
    date_to: 'date',
    requested_by: 'text',
    status: 'text',
    requested_at: 'timestamp with time zone',
    started_at: 'timestamp with time zone',
    finished_at: 'timestamp with time zone',
    error_message: 'text',
    summary: 'jsonb',
  },
  audit_entries: {
    id: 'bigint',
    actor: 'text',
    action: 'text',
    resource_type: 'text',
    resource_id: 'text',
    metadata: 'jsonb',
    created_at: 'timestamp with time zone',
  },
};

async function columns(db: TestDatabase, table: string): Promise<Record<string, string>> {
  const { rows } = await db.sql.query(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
}

/** Fails with the SQLSTATE of the violated constraint, or undefined when the insert worked. */
async function violation(db: TestDatabase, sql: string): Promise<string | undefined> {
  try {
    await db.sql.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('schema and reference data, migrated at start-up on an empty database', () => {
  const ctx = useTestDatabase('blank');

  beforeAll(async () => {
    const app = await startApp(ctx.db.url, { env: { APP_AUTO_MIGRATE: 'true' } });
    await app.close();
  });

  it.each(Object.keys(EXPECTED_COLUMNS))(
    '%s has the columns and types of the data model',
    async (table) => {
      expect(await columns(ctx.db, table)).toEqual(
        expect.objectContaining(EXPECTED_COLUMNS[table]),
      );
    },
  );

  it('has the indexes of the read and write paths', async () => {
    const { rows } = await ctx.db.sql.query(
      `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`,
    );
    const defs = rows.map((row) => row.indexdef.replace(/ USING btree/, ''));
    for (const expected of [
      'ON public.analytics_events (occurred_at, id)',
      'ON public.analytics_events (source_id, occurred_at)',
      'ON public.analytics_events (status, occurred_at)',
      'ON public.analytics_events (entity_id, occurred_at)',
      'UNIQUE INDEX analytics_events_external_ref_key ON public.analytics_events (external_ref)',
      'UNIQUE INDEX event_sources_slug_key ON public.event_sources (slug)',
      'UNIQUE INDEX aggregate_windows_report_window_key ON public.aggregate_windows (report_slug, window_name)',
      'UNIQUE INDEX metric_snapshots_bucket_key ON public.metric_snapshots (report_slug, window_name, bucket_start, dimension_key, dimension_value, metric_name)',
    ]) {
      expect(defs.some((def) => def.includes(expected))).toBe(true);
    }
  });

  it('enforces the CHECK, foreign key and unique constraints', async () => {
    const event = (status: string, ms: number, cents: number, ref: string) =>
      `INSERT INTO analytics_events (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
       SELECT id, '${ref}', 'e', '${status}', ${ms}, ${cents}, now() FROM event_sources WHERE slug = 'stripe'`;
    expect(await violation(ctx.db, event('lost', 1, 1, 'a'))).toBe('23514');
    expect(await violation(ctx.db, event('success', -1, 1, 'b'))).toBe('23514');
    expect(await violation(ctx.db, event('success', 1, -1, 'c'))).toBe('23514');
    expect(await violation(ctx.db, event('success', 1, 1, 'dup'))).toBeUndefined();
    expect(await violation(ctx.db, event('success', 1, 1, 'dup'))).toBe('23505');
    expect(
      await violation(
        ctx.db,
        `INSERT INTO analytics_events (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at)
         VALUES (999999, 'orphan', 'e', 'success', 1, 1, now())`,
      ),
    ).toBe('23503');
    expect(
      await violation(
        ctx.db,
        `INSERT INTO aggregate_windows (report_slug, window_name, retention_days, refresh_interval_minutes)
         VALUES ('status-counts', 'month', 1, 1)`,
      ),
    ).toBe('23514');
    expect(
      await violation(
        ctx.db,
        `INSERT INTO recompute_runs (report_slug, window_name, date_from, date_to, requested_by, status)
         VALUES ('status-counts', 'day', '2026-01-01', '2026-01-02', 'x', 'exploded')`,
      ),
    ).toBe('23514');
    const { rows } = await ctx.db.sql.query(
      `SELECT confdeltype FROM pg_constraint
        WHERE conrelid = 'metric_snapshots'::regclass AND contype = 'f'
          AND confrelid = 'recompute_runs'::regclass`,
    );
    expect(rows).toEqual([{ confdeltype: 'n' }]); // ON DELETE SET NULL
  });

  it('holds the reference data of the product', async () => {
    const reports = await ctx.db.sql.query(
      `SELECT slug, name, cache_ttl_seconds, default_window, is_public, supported_filters
         FROM report_definitions ORDER BY slug`,
    );
    expect(reports.rows).toEqual([
      {
        slug: 'status-counts',
        name: 'Status Counts',
        cache_ttl_seconds: 90,
        default_window: 'day',
        is_public: true,
        supported_filters: ['status'],
      },
      {
        slug: 'top-entities',
        name: 'Top Entities',
        cache_ttl_seconds: 45,
        default_window: 'day',
        is_public: true,
        supported_filters: [],
      },
      {
        slug: 'volume-by-period',
        name: 'Volume by Period',
        cache_ttl_seconds: 120,
        default_window: 'day',
        is_public: true,
        supported_filters: ['source'],
      },
    ]);
    const windows = await ctx.db.sql.query(
      `SELECT report_slug, window_name, retention_days, refresh_interval_minutes, is_default
         FROM aggregate_windows ORDER BY report_slug, window_name`,
    );
    expect(windows.rows).toEqual(
      [
        ['status-counts', 'day', 365, 60, true],
        ['status-counts', 'week', 730, 240, false],
        ['top-entities', 'day', 180, 120, true],
        ['top-entities', 'week', 365, 360, false],
        ['volume-by-period', 'day', 365, 60, true],
        ['volume-by-period', 'week', 730, 240, false],
      ].map(([report_slug, window_name, retention_days, refresh_interval_minutes, is_default]) => ({
        report_slug,
        window_name,
        retention_days,
        refresh_interval_minutes,
        is_default,
      })),
    );
    const sources = await ctx.db.sql.query(
      `SELECT slug, provider_name, is_active FROM event_sources ORDER BY slug`,
    );
    expect(sources.rows).toEqual([
      { slug: 'adyen', provider_name: 'Adyen', is_active: true },
      { slug: 'paypal', provider_name: 'PayPal', is_active: true },
      { slug: 'stripe', provider_name: 'Stripe', is_active: true },
    ]);
  });

  it('matches the entities: TypeORM proposes no schema change after the migrations', async () => {
    const dataSource = new DataSource({ ...dataSourceOptions(ctx.db.url, 1), logging: false });
    await dataSource.initialize();
    try {
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      expect(upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('agrees with the report catalog the code declares', async () => {
    const reports = await ctx.db.sql.query(
      `SELECT slug, name, description, cache_ttl_seconds, default_window, is_public,
              supported_filters
         FROM report_definitions ORDER BY slug COLLATE "C"`,
    );
    const declared = Object.entries(REPORT_CATALOG).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(reports.rows).toEqual(
      declared.map(([slug, report]) => ({
        slug,
        name: report.name,
        description: report.description,
        cache_ttl_seconds: report.cacheTtlSeconds,
        default_window: report.defaultWindow,
        is_public: true,
        supported_filters: report.filters,
      })),
    );
    const windows = await ctx.db.sql.query(
      `SELECT report_slug, window_name, retention_days, refresh_interval_minutes, is_default
         FROM aggregate_windows ORDER BY report_slug COLLATE "C", window_name`,
    );
    expect(windows.rows).toEqual(
      declared.flatMap(([slug, report]) =>
        Object.entries(report.windows).map(([window, rule]) => ({
          report_slug: slug,
          window_name: window,
          retention_days: rule.retentionDays,
          refresh_interval_minutes: rule.refreshIntervalMinutes,
          is_default: window === report.defaultWindow,
        })),
      ),
    );
  });

  it('waits for another instance that is migrating, and says so', async () => {
    const holder = new pg.Client({ connectionString: ctx.db.url });
    await holder.connect();
    // Two connections: one holds the lock while the migrations run on the other.
    const dataSource = new DataSource({ ...dataSourceOptions(ctx.db.url, 2), logging: false });
    await dataSource.initialize();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATIONS_LOCK]);
      let waiting = false;
      const migrating = runMigrations(dataSource, () => {
        waiting = true;
      });
      await waitFor('the migrations to wait', async () => (waiting ? true : undefined));
      await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATIONS_LOCK]);
      expect(await migrating).toEqual([]);
    } finally {
      await holder.end();
      await dataSource.destroy();
    }
  });

  it('changes nothing when the service starts again', async () => {
    const snapshot = async () =>
      (
        await ctx.db.sql.query(`
          SELECT (SELECT json_agg(name ORDER BY id) FROM typeorm_migrations) AS migrations,
                 (SELECT count(*) FROM report_definitions) AS reports,
                 (SELECT count(*) FROM aggregate_windows) AS windows,
                 (SELECT count(*) FROM event_sources) AS sources`)
      ).rows[0];
    const before = await snapshot();
    const app = await startApp(ctx.db.url, { env: { APP_AUTO_MIGRATE: 'true' } });
    await app.close();
    expect(await snapshot()).toEqual(before);
    expect(before.migrations.length).toBeGreaterThanOrEqual(2);
  });
});

describe('APP_AUTO_MIGRATE=false', () => {
  const ctx = useTestDatabase('blank');

  it('leaves an empty database alone', async () => {
    const app = await startApp(ctx.db.url, { env: { APP_AUTO_MIGRATE: 'false' } });
    await app.close();
    const { rows } = await ctx.db.sql.query(
      `SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(rows[0].tables).toBe(0);
  });
});

describe('npm run migration:run', () => {
  const ctx = useTestDatabase('blank');
  const names = MIGRATIONS.map((migration) => migration.name);

  it('applies the schema and reference data to DATABASE_URL, naming each migration, no SQL', async () => {
    const env = { ...process.env, DATABASE_URL: ctx.db.url };
    const first = await run('node', ['dist/src/cli/migrate.js'], { env });
    expect(first.stdout.trim().split('\n')).toEqual([
      `applied ${names.length} migrations: ${names.join(', ')}`,
    ]);
    expect(first.stdout + first.stderr).not.toMatch(/CREATE|INSERT|query/i);
    for (const table of Object.keys(EXPECTED_COLUMNS)) {
      expect(await columns(ctx.db, table)).toEqual(
        expect.objectContaining(EXPECTED_COLUMNS[table]),
      );
    }
    const { rows } = await ctx.db.sql.query('SELECT count(*)::int AS n FROM report_definitions');
    expect(rows[0].n).toBe(3);
    const applied = await ctx.db.sql.query('SELECT name FROM typeorm_migrations ORDER BY id');
    expect(applied.rows.map((row) => row.name)).toEqual(names);

    const second = await run('node', ['dist/src/cli/migrate.js'], { env });
    expect(second.stdout.trim()).toBe(`no pending migrations (the schema has all ${names.length})`);
  });
});
