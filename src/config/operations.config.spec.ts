import { ConfigError } from './app.config.js';
import { loadOperationsConfig } from './operations.config.js';

describe(loadOperationsConfig.name, () => {
  it('has defaults for every operational setting', () => {
    expect(loadOperationsConfig({})).toEqual({
      logFormat: 'json',
      metricsEnabled: true,
      metricsToken: undefined,
      rateLimits: {
        windowSeconds: 60,
        public: 1200,
        management: 300,
        ingest: 600,
        authFailures: 10,
      },
      corsOrigins: [],
      trustProxy: false,
      bodyLimitBytes: 1024 * 1024,
      ingestBodyLimitBytes: undefined,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      reportQueryTimeoutMs: 10_000,
      databaseConnectTimeoutMs: 5000,
    });
  });

  it('logs readable lines on a terminal, JSON otherwise and always in production', () => {
    expect(loadOperationsConfig({}, true).logFormat).toBe('pretty');
    expect(loadOperationsConfig({ NODE_ENV: 'production' }, true).logFormat).toBe('json');
    expect(loadOperationsConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(loadOperationsConfig({ LOG_FORMAT: 'JSON' }, true).logFormat).toBe('json');
  });

  it('reads limits, origins, proxies and the metrics token', () => {
    const config = loadOperationsConfig({
      RATE_LIMIT_PUBLIC: '0',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      METRICS_TOKEN: 'scrape-me',
      INGEST_BODY_LIMIT_BYTES: '2048',
    });
    expect(config.rateLimits).toMatchObject({ public: 0, windowSeconds: 10 });
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(config.trustProxy).toBe('10.0.0.0/8,127.0.0.1');
    expect(config.metricsToken).toBe('scrape-me');
    expect(config.ingestBodyLimitBytes).toBe(2048);
    expect(loadOperationsConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadOperationsConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadOperationsConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    ['LOG_FORMAT', 'xml'],
    ['METRICS_ENABLED', 'perhaps'],
    ['RATE_LIMIT_PUBLIC', '-1'],
    ['RATE_LIMIT_MANAGEMENT', 'lots'],
    ['RATE_LIMIT_INGEST', '1.5'],
    ['RATE_LIMIT_AUTH_FAILURES', '-3'],
    ['RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['CORS_ORIGINS', 'example.com'],
    ['CORS_ORIGINS', 'https://a.example/path'],
    ['TRUST_PROXY', 'my-proxy'],
    ['TRUST_PROXY', '10.0.0.0/40'],
    ['BODY_LIMIT_BYTES', '10'],
    ['INGEST_BODY_LIMIT_BYTES', 'big'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_HEADERS_TIMEOUT_MS', 'soon'],
    ['REPORT_QUERY_TIMEOUT_MS', '5'],
    ['DATABASE_CONNECT_TIMEOUT_MS', 'never'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadOperationsConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadOperationsConfig({ [name]: value })).toThrow(name);
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(() =>
      loadOperationsConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' }),
    ).toThrow('HTTP_HEADERS_TIMEOUT_MS');
  });
});
