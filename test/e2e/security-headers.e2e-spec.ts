import { useTestApp } from '../support/context.js';
import { rawRequest } from '../support/raw-http.js';

/** The CSP directives of a response, by name. */
function csp(header: string | undefined): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}

const ORIGIN = 'http://tally.test';

/** The path of a URL of the /docs page, which must stay on the page's origin. */
function sameOrigin(reference: string | undefined): string {
  const url = new URL(reference ?? '', `${ORIGIN}/docs`);
  expect(url.origin).toBe(ORIGIN);
  return url.pathname;
}

describe('security headers', () => {
  const ctx = useTestApp('migrated');

  it.each(['/api/v1/reports', '/api/v1/nope', '/api/v1/health/live', '/metrics'])(
    'of an API are on every API response (%s)',
    async (path) => {
      const res = await ctx.http.get(path);
      expect(res.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
      expect(res.headers).not.toHaveProperty('x-powered-by');
    },
  );

  it.each([
    ['a GET with a body', (path: string) => ctx.http.get(path).send({ a: 1 }), '/api/v1/reports'],
    ['a URL that is not UTF-8', (path: string) => ctx.http.get(path), '/api/v1/reports/%ZZ/run'],
    [
      'headers over 16 KB',
      (path: string) => ctx.http.get(path).set('X-Padding', 'x'.repeat(20 * 1024)),
      '/api/v1/reports',
    ],
    [
      'a path segment over the router limit',
      (path: string) => ctx.http.get(path),
      `/api/v1/reports/${'a'.repeat(101)}`,
    ],
  ])('of an API are on a request refused before routing (%s)', async (_name, send, path) => {
    const res = await send(path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-request-id': res.body.error.request_id,
    });
  });

  it('of an API are on an API request in absolute form (GET http://host/api/…)', async () => {
    const head = Buffer.from('GET http://tally.example/api/v1/reports HTTP/1.1');
    const res = await rawRequest(ctx.app.app.getHttpServer(), head);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
  });

  it.each([
    [
      'with user credentials in an absolute-form target',
      'GET http://admin:hunter2@tally.example/api/v1/reports HTTP/1.1',
      true,
      400,
      'the request target must not contain user credentials (user@host)',
    ],
    ['without Host', 'GET /api/v1/reports HTTP/1.1', false, 400, 'must send a Host header'],
    [
      'with two Hosts',
      'GET /api/v1/reports HTTP/1.1\r\nHost: a.example\r\nHost: b.example',
      false,
      400,
      'the Host header must be sent once, not repeated',
    ],
    [
      'with an Expect it cannot meet',
      'GET /api/v1/reports HTTP/1.1\r\nExpect: x',
      true,
      417,
      'Expect',
    ],
  ])(
    'of an API, and the envelope, are on a request refused before any route (%s)',
    async (_name, head, host, status, message) => {
      const res = await rawRequest(ctx.app.app.getHttpServer(), Buffer.from(head), '', { host });
      expect(res.status).toBe(status);
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(JSON.parse(res.body)).toEqual({
        error: {
          code: 'invalid_request',
          message: expect.stringContaining(message),
          details: expect.any(Array),
          request_id: res.headers['x-request-id'],
        },
      });
    },
  );

  it.each(['/docs', '/docs-json', '/nope'])(
    'of a page are on every other response (%s)',
    async (path) => {
      const res = await ctx.http.get(path).redirects(1);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
      expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'self'"]);
    },
  );

  it('let Swagger UI work: every script and stylesheet of /docs is allowed by the CSP', async () => {
    const page = await ctx.http.get('/docs').redirects(1).expect(200);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", 'https:', "'unsafe-inline'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    // On plain HTTP, upgrade-insecure-requests would send the browser to https for the scripts.
    expect(policy.has('upgrade-insecure-requests')).toBe(false);

    // script-src 'self' allows no inline script: every script is a same-origin file that loads.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = sameOrigin(/src=["']([^"']+)["']/.exec(attributes)?.[1]);
      const script = await ctx.http.get(src).expect(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
    }
    const styles = [...page.text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)];
    expect(styles.length).toBeGreaterThan(0);
    for (const [, href] of styles) {
      const css = await ctx.http.get(sameOrigin(href)).expect(200);
      expect(css.headers['content-type']).toMatch(/text\/css/);
    }
    // The UI's requests ("Try it out", the document) go to this origin.
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.has('connect-src')).toBe(false);
  });

  it('CORS is off unless CORS_ORIGINS lists origins', async () => {
    const res = await ctx.http
      .options('/api/v1/reports')
      .set('Origin', 'https://dashboard.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    const get = await ctx.http.get('/api/v1/reports').set('Origin', 'https://dashboard.example');
    expect(get.headers).not.toHaveProperty('access-control-allow-origin');
  });
});

describe('CORS with CORS_ORIGINS', () => {
  const ctx = useTestApp('migrated', {
    env: { CORS_ORIGINS: 'https://dashboard.example,http://localhost:5173' },
  });

  it('allows the listed origins, with the management key header and the request id', async () => {
    const preflight = await ctx.http
      .options('/api/v1/recomputations')
      .set('Origin', 'https://dashboard.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-management-key,content-type')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    expect(preflight.headers['access-control-allow-headers']).toBe('x-management-key,content-type');
    // Every method the API has, PATCH /sources/{slug} included.
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PATCH');
    // A preflight meets the rules of every request: a request id, the security headers.
    expect(preflight.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(preflight.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    const get = await ctx.http.get('/api/v1/reports').set('Origin', 'http://localhost:5173');
    expect(get.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(get.headers['access-control-expose-headers']).toBe('x-request-id, retry-after');
  });

  it('refuses a preflight to a path that leads nowhere, and OPTIONS that is no preflight, as without CORS', async () => {
    const nowhere = await ctx.http
      .options('/api/v1/nowhere')
      .set('Origin', 'https://dashboard.example')
      .set('Access-Control-Request-Method', 'GET')
      .expect(404);
    expect(nowhere.body.error).toMatchObject({
      code: 'not_found',
      request_id: nowhere.headers['x-request-id'],
    });
    // The CORS headers are on a refusal too, so that a browser script can read it.
    expect(nowhere.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    for (const headers of [{ Origin: 'https://dashboard.example' }, {}]) {
      const res = await ctx.http.options('/api/v1/sources').set(headers).expect(405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
      expect(res.body.error).toMatchObject({
        code: 'method_not_allowed',
        request_id: res.headers['x-request-id'],
      });
    }
  });

  it('does not allow other origins', async () => {
    const res = await ctx.http.get('/api/v1/reports').set('Origin', 'https://evil.example');
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
  });
});
