import {
  ConfigError,
  DEFAULT_INGEST_KEY,
  DEFAULT_MANAGEMENT_KEY,
  loadConfig,
} from './app.config.js';

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      embeddedPgDir: './.data/postgres',
      managementApiKey: DEFAULT_MANAGEMENT_KEY,
      ingestApiKey: DEFAULT_INGEST_KEY,
      ingestMaxBatch: 1000,
      refreshEnabled: true,
      refreshTickSeconds: 30,
      eventRetentionDays: undefined,
      autoMigrate: true,
      autoSeed: true,
      maxReportRangeDays: 366,
      defaultReportDays: 30,
      recomputeConcurrency: 1,
      recomputeQueueSize: 64,
    });
  });

  it('does not seed by default when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).autoSeed).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', APP_AUTO_SEED: 'true' }).autoSeed).toBe(
      true,
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '3.5'],
    ['RECOMPUTE_CONCURRENCY', '0'],
    ['DATABASE_POOL_SIZE', '1'],
    ['RECOMPUTE_QUEUE_SIZE', '-1'],
    ['MAX_REPORT_RANGE_DAYS', 'many'],
    ['DEFAULT_REPORT_DAYS', '0'],
    ['APP_AUTO_MIGRATE', 'maybe'],
    ['APP_AUTO_SEED', 'yes please'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['LOG_LEVEL', 'loud'],
    ['INGEST_MAX_BATCH', '0'],
    ['INGEST_MAX_BATCH', '1e3'],
    ['REFRESH_ENABLED', 'sometimes'],
    ['REFRESH_TICK_SECONDS', '0'],
    ['EVENT_RETENTION_DAYS', '0'],
    ['EVENT_RETENTION_DAYS', 'forever'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses production with a default ingest key', () => {
    const production = {
      NODE_ENV: 'production',
      MANAGEMENT_API_KEY: 's3cret',
      DATABASE_URL: 'postgres://u@h/db',
    };
    expect(() => loadConfig(production)).toThrow('INGEST_API_KEY');
    expect(() => loadConfig({ ...production, INGEST_API_KEY: DEFAULT_INGEST_KEY })).toThrow(
      'INGEST_API_KEY',
    );
    expect(loadConfig({ ...production, INGEST_API_KEY: 'feed' }).ingestApiKey).toBe('feed');
  });

  it('refuses production with an empty or default management key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('MANAGEMENT_API_KEY');
    expect(() => loadConfig({ NODE_ENV: 'production', MANAGEMENT_API_KEY: '  ' })).toThrow(
      'MANAGEMENT_API_KEY',
    );
    expect(() =>
      loadConfig({ NODE_ENV: 'production', MANAGEMENT_API_KEY: DEFAULT_MANAGEMENT_KEY }),
    ).toThrow('MANAGEMENT_API_KEY');
    expect(
      loadConfig({
        NODE_ENV: 'production',
        MANAGEMENT_API_KEY: 's3cret',
        INGEST_API_KEY: 'x',
        DATABASE_URL: 'postgres://u@h/db',
      }).managementApiKey,
    ).toBe('s3cret');
  });

  it.each(['Production', 'PRODUCTION', 'prod', 'staging'])(
    'treats NODE_ENV=%s as a deployment: no default keys, no embedded PostgreSQL',
    (nodeEnv) => {
      const deployed = { NODE_ENV: nodeEnv, DATABASE_URL: 'postgres://u@h/db' };
      expect(() => loadConfig(deployed)).toThrow(
        `MANAGEMENT_API_KEY must be set to a non-default secret when NODE_ENV=${nodeEnv}`,
      );
      const keyed = { ...deployed, MANAGEMENT_API_KEY: 'm', INGEST_API_KEY: 'i' };
      expect(loadConfig(keyed).managementApiKey).toBe('m');
      expect(() => loadConfig({ ...keyed, DATABASE_URL: undefined })).toThrow('DATABASE_URL');
    },
  );

  it('keeps the default keys for development and test only', () => {
    for (const nodeEnv of ['development', 'test', 'Test', undefined]) {
      expect(loadConfig({ NODE_ENV: nodeEnv }).managementApiKey).toBe(DEFAULT_MANAGEMENT_KEY);
    }
  });

  it('refuses a published default as either key of a deployment, swapped ones too', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db' };
    expect(() =>
      loadConfig({ ...production, MANAGEMENT_API_KEY: DEFAULT_INGEST_KEY, INGEST_API_KEY: 'x' }),
    ).toThrow('MANAGEMENT_API_KEY');
    expect(() =>
      loadConfig({
        ...production,
        MANAGEMENT_API_KEY: 'm',
        INGEST_API_KEY: DEFAULT_MANAGEMENT_KEY,
      }),
    ).toThrow('INGEST_API_KEY');
  });

  it('refuses one key for both roles, in any environment', () => {
    for (const nodeEnv of ['development', 'production']) {
      expect(() =>
        loadConfig({
          NODE_ENV: nodeEnv,
          DATABASE_URL: 'postgres://u@h/db',
          MANAGEMENT_API_KEY: 'same',
          INGEST_API_KEY: 'same',
        }),
      ).toThrow('MANAGEMENT_API_KEY and INGEST_API_KEY must differ');
    }
  });

  it('refuses production without DATABASE_URL (no embedded PostgreSQL there)', () => {
    const production = { NODE_ENV: 'production', MANAGEMENT_API_KEY: 'm', INGEST_API_KEY: 'i' };
    expect(() => loadConfig(production)).toThrow(
      'DATABASE_URL must be set when NODE_ENV=production',
    );
    expect(() => loadConfig({ ...production, DATABASE_URL: ' ' })).toThrow('DATABASE_URL');
    expect(loadConfig({ ...production, DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe(
      'postgres://u@h/db',
    );
  });

  it('stages embedded PostgreSQL for root in /var/lib/tally unless EMBEDDED_PG_STAGE_DIR says', () => {
    expect(loadConfig({}).embeddedPgStageDir).toBe('/var/lib/tally');
    expect(loadConfig({ EMBEDDED_PG_STAGE_DIR: '/srv/pg' }).embeddedPgStageDir).toBe('/srv/pg');
  });
});
