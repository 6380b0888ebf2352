import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MANAGEMENT_KEY, startApp, type TestApp } from '../support/app.js';

describe('GET /api/v1/health', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('migrated');
    app = await startApp(db.url, { env: { APP_VERSION: '9.9.9-test' } });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers 200 ok with the version and the postgres dependency', async () => {
    const res = await app.http.get('/api/v1/health').expect(200);
    expect(res.body).toEqual({
      data: {
        status: 'ok',
        service: 'tally',
        version: '9.9.9-test',
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        dependencies: { postgres: 'ok' },
        freshness: 'ok',
      },
      meta: {},
    });
  });

  it('answers 503 degraded when PostgreSQL is unreachable', async () => {
    // Dropping the database kills the pool's connections and refuses new ones.
    await db.drop();
    const res = await app.http.get('/api/v1/health').expect(503);
    expect(res.body.data).toMatchObject({
      status: 'degraded',
      dependencies: { postgres: 'unavailable' },
    });
  });

  it.each([
    ['get', '/api/v1/recomputations'],
    ['get', '/api/v1/audit-entries'],
    ['get', '/api/v1/reports'],
    ['get', '/api/v1/reports/status-counts/run'],
  ] as const)(
    '%s %s answers 503 service_unavailable while PostgreSQL is unreachable',
    async (method, path) => {
      const res = await app.http[method](path).set('X-Management-Key', MANAGEMENT_KEY).expect(503);
      expect(res.body.error.code).toBe('service_unavailable');
    },
  );

  it('answers 503 to a trigger while PostgreSQL is unreachable', async () => {
    const res = await app.http
      .post('/api/v1/recomputations')
      .set('X-Management-Key', MANAGEMENT_KEY)
      .send({
        report_slug: 'status-counts',
        window: 'day',
        date_from: '2026-11-01',
        date_to: '2026-11-02',
      })
      .expect(503);
    expect(res.body.error.code).toBe('service_unavailable');
  });
});
