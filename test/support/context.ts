import { createTestDatabase, type DatabaseKind, type TestDatabase } from './database.js';
import { startApp, type StartAppOptions, type TestApp } from './app.js';

export interface TestContext {
  db: TestDatabase;
  app: TestApp;
  http: TestApp['http'];
}

/**
 * For a describe block: a fresh database of `kind` and the real app on it, started before
 * the tests and dropped after. Read the fields inside tests (they are set in beforeAll).
 */
export function useTestApp(kind: DatabaseKind, options: StartAppOptions = {}): TestContext {
  const ctx = {} as TestContext;
  beforeAll(async () => {
    ctx.db = await createTestDatabase(kind);
    ctx.app = await startApp(ctx.db.url, options);
    ctx.http = ctx.app.http;
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.db?.drop();
  });
  return ctx;
}

/** For a describe block: a fresh database of `kind` (no app), dropped after the tests. */
export function useTestDatabase(kind: DatabaseKind): { db: TestDatabase } {
  const ctx = {} as { db: TestDatabase };
  beforeAll(async () => {
    ctx.db = await createTestDatabase(kind);
  });
  afterAll(() => ctx.db?.drop());
  return ctx;
}
