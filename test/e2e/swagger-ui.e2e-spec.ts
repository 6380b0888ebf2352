import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { DEFAULT_MANAGEMENT_KEY } from '../../src/config/app.config.js';
import { useTestApp } from '../support/context.js';
import { waitForStatus } from '../support/recompute.js';
import { truth } from '../support/reports.js';

/**
 * Swagger UI as a person uses it, in a real Chromium (Debian's `chromium` package, driven by
 * playwright-core: no browser download). One browser for the file; every wait is on an element
 * or a response, with generous deadlines for a loaded machine.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium calls home, which a closed network refuses slowly.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT_MS = 60_000;

/** The pretty-printed JSON body Swagger UI shows for the live response of an operation. */
async function shownResponse(operation: Locator): Promise<{ status: string; body: unknown }> {
  const live = operation.locator('.live-responses-table');
  const status = (await live.locator('tbody .response-col_status').innerText()).trim();
  const body = await live.locator('tbody .response-col_description pre').first().innerText();
  return { status, body: JSON.parse(body) };
}

/** Expands an operation, presses "Try it out" and "Execute", and waits for its answer. */
async function execute(page: Page, operationId: string, urlPart: string) {
  const operation = page.locator(`[id$="-${operationId}"]`);
  await operation.locator('.opblock-summary-control').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  const answered = page.waitForResponse((response) => response.url().includes(urlPart));
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = await answered;
  await operation.locator('.live-responses-table tbody .response-col_status').waitFor();
  return { operation, request: response.request() };
}

describe('Swagger UI in Chromium, on the demo data', () => {
  // The default local key, as a newcomer has it (the test bootstrap sets another one).
  const ctx = useTestApp('demo', { env: { MANAGEMENT_API_KEY: undefined } });
  let browser: BrowserContext;
  let profile: string;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the Swagger UI test drives a real browser. Install ` +
          'it (Debian/Ubuntu: `apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium ' +
          'or Chrome executable.',
      );
    }
    await ctx.app.app.listen(0, '127.0.0.1');
    baseUrl = await ctx.app.app.getUrl();
    profile = await mkdtemp(path.join(tmpdir(), 'tally-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT_MS,
    });
    browser.setDefaultTimeout(TIMEOUT_MS);
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor();
  }, 3 * TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it(
    'runs a report with "Try it out" → "Execute" and shows the rows of the demo data',
    async () => {
      const { operation, request } = await execute(
        page,
        'ReportsController_run',
        '/api/v1/reports/volume-by-period/run',
      );
      // Nothing but the defaults was pre-filled.
      const url = new URL(request.url());
      expect(url.pathname).toBe('/api/v1/reports/volume-by-period/run');
      expect(Object.fromEntries(url.searchParams)).toEqual({ limit: '50', offset: '0' });

      const shown = await shownResponse(operation);
      expect(shown.status).toBe('200');
      const { data, meta } = shown.body as {
        data: { date_from: string; date_to: string; rows: unknown[] };
        meta: { pagination: { total: number } };
      };
      const rows = await truth(ctx.db.sql, {
        slug: 'volume-by-period',
        window: 'day',
        dateFrom: data.date_from,
        dateTo: data.date_to,
        layout: 'period',
      });
      expect(rows.length).toBe(30);
      expect(data.rows).toEqual(rows);
      expect(meta.pagination.total).toBe(30);
    },
    2 * TIMEOUT_MS,
  );

  it(
    'authorizes with the key the dialog names and triggers a rebuild with the example body',
    async () => {
      await page.locator('.auth-wrapper .authorize').click();
      const dialog = page.locator('.modal-ux');
      const scheme = dialog
        .locator('.auth-container')
        .filter({ has: page.locator('h4', { hasText: /^management-key/ }) });
      await expect(scheme.innerText()).resolves.toContain(DEFAULT_MANAGEMENT_KEY);
      await scheme.locator('input').fill(DEFAULT_MANAGEMENT_KEY);
      await scheme.locator('button.authorize').click();
      await scheme.locator('button', { hasText: 'Logout' }).waitFor();
      await scheme.locator('button.btn-done').click();
      await dialog.waitFor({ state: 'detached' });

      const { operation, request } = await execute(
        page,
        'RecomputeController_create',
        '/api/v1/recomputations',
      );
      const sent = request.postDataJSON() as Record<string, string>;
      expect(Object.keys(sent).sort()).toEqual([
        'date_from',
        'date_to',
        'report_slug',
        'requested_by',
        'window',
      ]);
      const shown = await shownResponse(operation);
      expect(shown.status).toBe('202');
      const run = (shown.body as { data: Record<string, unknown> }).data;
      expect(run).toEqual({
        ...sent,
        id: expect.any(String),
        status: 'pending',
        requested_at: expect.any(String),
        started_at: null,
        finished_at: null,
        summary: null,
        error_message: null,
      });
      // The run the page shows is real, and the example's range rebuilds without error.
      const done = await waitForStatus(
        ctx.db.sql,
        run.id as string,
        ['completed', 'failed'],
        TIMEOUT_MS,
      );
      expect(done.status).toBe('completed');
    },
    2 * TIMEOUT_MS,
  );
});
