import { MAX_PARAM_LENGTH } from '../../src/http/route-methods.js';
import { REPORT_SLUGS } from '../../src/snapshots/report-catalog.js';
import { MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import { rawExchange } from '../support/raw-http.js';

const errorBody = (code: string) => ({
  error: {
    code,
    message: expect.any(String),
    details: expect.any(Array),
    request_id: expect.any(String),
  },
});

describe('HTTP basics: envelope, errors, OpenAPI', () => {
  const ctx = useTestApp('migrated');

  it.each([
    ['get', '/api/v1/nope'],
    ['get', '/nope'],
    ['delete', '/api/v1/nope/deeper'],
    ['get', '/api/v2/health'],
    ['get', '/api/v1/health/'],
    ['get', '/api/v1/reports/volume-by-period/run/extra'],
    // A route of this method that finds nothing (Swagger UI's files): 404, not 405.
    ['get', '/docs/no-such-file.js'],
    // Paths the static files refuse (dot segments, encoded too): as any path that leads nowhere.
    ['get', '/docs/%2e%2e'],
    ['get', '/docs/./index.html'],
    ['get', '/docs/../api/v1/health'],
    ['get', '/docs/.hidden'],
    // The files of Swagger UI's package that its page does not load.
    ['get', '/docs/package.json'],
    ['get', '/docs/README.md'],
    ['get', '/docs/index.html'],
    ['get', '/docs/swagger-initializer.js'],
    ['get', '/docs/swagger-ui-bundle.js.map'],
    // A parameter longer than the router takes: no method answers it, so 404, not 405.
    ['put', `/api/v1/reports/${'x'.repeat(MAX_PARAM_LENGTH + 1)}/run`],
  ] as const)('%s %s is a 404 not_found envelope', async (method, path) => {
    const res = await ctx.http[method](path).expect(404);
    expect(res.body).toEqual(errorBody('not_found'));
    expect(res.body.error.message).toContain(path);
    expect(res.body).not.toHaveProperty('data');
    expect(res.headers.allow).toBeUndefined();
  });

  it.each([
    ['post', '/api/v1/health', 'GET, HEAD'],
    ['delete', '/api/v1/reports', 'GET, HEAD'],
    ['put', '/api/v1/reports/volume-by-period/run?window=day', 'GET, HEAD'],
    ['patch', '/api/v1/recomputations', 'GET, HEAD, POST'],
    ['delete', '/api/v1/recomputations/00000000-0000-4000-8000-000000000000', 'GET, HEAD'],
    ['post', '/metrics', 'GET, HEAD'],
    // Matched as the router matches: percent-encoded letters decoded.
    ['delete', '/api/v1/%72eports', 'GET, HEAD'],
    // A parameter's length counted as the router counts it: 40 characters, not 120.
    ['put', `/api/v1/reports/${'%40'.repeat(40)}/run`, 'GET, HEAD'],
  ] as const)(
    '%s %s is a 405 method_not_allowed envelope with Allow: %s',
    async (method, path, allow) => {
      const res = await ctx.http[method](path).set('x-request-id', 'wrong-method-1').expect(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['x-request-id']).toBe('wrong-method-1');
      expect(res.body).toEqual({
        error: {
          code: 'method_not_allowed',
          message: `method not allowed: ${method.toUpperCase()} ${path}; this path answers ${allow}`,
          details: [],
          request_id: 'wrong-method-1',
        },
      });
    },
  );

  const KEYLESS = (role: string) => `a valid ${role} key is required`;
  it.each([
    ['DELETE', '/api/v1/events', 405, 'application/json', '{bad', 'DELETE /api/v1/events'],
    ['PUT', '/api/v1/events', 405, 'text/plain', 'x', 'PUT /api/v1/events'],
    [
      'PATCH',
      '/api/v1/recomputations',
      405,
      'application/json',
      '{"a":'.repeat(9),
      'PATCH /api/v1/recomputations',
    ],
    ['PUT', '/api/v1/nope', 404, 'application/json', '{bad', 'PUT /api/v1/nope'],
    ['GET', '/api/v1/nope', 404, 'application/json', '{}', 'GET /api/v1/nope'],
    ['POST', '/api/v1/reports', 405, 'application/xml', '<x/>', 'POST /api/v1/reports'],
    ['GET', '/api/v1/reports', 400, 'application/json', '{}', 'a GET request takes no body'],
    // A protected route without its key.
    ['POST', '/api/v1/recomputations', 401, 'application/json', '{bad', KEYLESS('management')],
    ['POST', '/api/v1/events', 401, 'text/plain', 'x', KEYLESS('ingest')],
    ['PATCH', '/api/v1/sources/stripe', 401, 'application/json', '{"a":', KEYLESS('management')],
  ] as const)(
    '%s %s is a %d before its body is read (a %s body it would refuse)',
    async (method, path, status, type, body, message) => {
      const res = await ctx.http[method.toLowerCase() as 'put'](path)
        .set('Content-Type', type)
        .send(body)
        .expect(status);
      const codes: Record<number, string> = {
        400: 'invalid_request',
        401: 'unauthorized',
        404: 'not_found',
        405: 'method_not_allowed',
      };
      expect(res.body.error).toMatchObject({
        code: codes[status],
        message: expect.stringContaining(message),
      });
      // The body is left unread: the connection closes after the answer.
      expect(res.headers.connection).toBe('close');
    },
  );

  it.each([
    ['/api/v1/reports?search=%FF', 'search'],
    ['/api/v1/reports?search=%zz', 'search'],
    ['/api/v1/reports?limit=5&search=a%', 'search'],
    ['/api/v1/reports?sea%E9rch=x', 'sea%E9rch'],
    ['/api/v1/reports/status-counts/run?window=day&source=%ED%A0%80', 'source'],
    ['/api/v1/reports?=%zz', '""'],
    // The route as the router matches it (%61 is an `a`).
    ['/%61pi/v1/reports?search=%zz', 'search'],
  ])('%s is a 400 naming %s: the query string must be percent-encoded UTF-8', async (url, name) => {
    const res = await ctx.http.get(url).expect(400);
    const message = `${name} is not valid percent-encoded UTF-8`;
    expect(res.body.error).toMatchObject({ message, details: [{ parameter: name, message }] });
  });

  it('answers requests pipelined before one HTTP cannot read, then refuses that one', async () => {
    const body = JSON.stringify({ slug: 'pipelined', provider_name: 'Pipelined' });
    const create =
      `POST /api/v1/sources HTTP/1.1\r\nHost: x\r\nX-Management-Key: ${MANAGEMENT_KEY}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const read = 'GET /api/v1/sources HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await rawExchange(
      ctx.app.app.getHttpServer(),
      `${create}${read}NOT HTTP AT ALL\r\n\r\n`,
    );
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
    // A response's body runs straight into the next response's status line.
    expect(statuses).toEqual([201, 200, 400]);
    expect(text).toContain('"slug":"pipelined"');
    expect(text).toContain('"message":"malformed HTTP request"');
  });

  it('refuses a request whose own body HTTP cannot read at once, and closes the connection', async () => {
    const head =
      `POST /api/v1/sources HTTP/1.1\r\nHost: x\r\nX-Management-Key: ${MANAGEMENT_KEY}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    // A chunk size that is no number: the parser fails inside the body of the request in flight.
    const text = await rawExchange(ctx.app.app.getHttpServer(), `${head}5\r\n{"a":\r\nZZ\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('"message":"malformed HTTP request"');
  });

  it('leaves the query string of /metrics alone (Prometheus may add parameters)', async () => {
    const res = await ctx.http.get('/metrics?x=%zz').expect(200);
    expect(res.text).toContain('tally_http_request_duration_seconds');
  });

  it('decodes valid escapes and + in the query string as before', async () => {
    const res = await ctx.http.get('/api/v1/reports?search=volume%20by+period').expect(200);
    expect(res.body.data.map((report: { slug: string }) => report.slug)).toEqual([
      'volume-by-period',
    ]);
  });

  it.each([
    ['an unknown path with a 16 KB query', `/api/v1/nope?${'x'.repeat(16_000)}`],
    ['a 6,000-character path under /docs/', `/docs/${'a/'.repeat(3000)}`],
  ])('repeats at most 200 characters of the request in a 404 (%s)', async (_name, path) => {
    const res = await ctx.http.get(path).expect(404);
    const target = `GET ${path}`;
    expect(res.body).toEqual({
      error: {
        code: 'not_found',
        message: `route not found: ${target.slice(0, 200)}…`,
        details: [],
        request_id: expect.any(String),
      },
    });
  });

  it('answers a path segment longer than the router takes 404, for the route’s own method too', async () => {
    const path = `/api/v1/reports/${'x'.repeat(MAX_PARAM_LENGTH + 1)}/run?window=day`;
    const res = await ctx.http.get(path).set('x-request-id', 'long-segment-1').expect(404);
    expect(res.body).toEqual({
      error: {
        code: 'not_found',
        message: 'not found: a path segment is too long',
        details: [],
        request_id: 'long-segment-1',
      },
    });
    expect(res.headers.allow).toBeUndefined();
  });

  it('serves Swagger UI at /docs, with every file its page loads', async () => {
    const res = await ctx.http.get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
    const files = [...res.text.matchAll(/(?:href|src)="\.\/docs\/([^"]+)"/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) await ctx.http.get(`/docs/${file}`).expect(200);
  });

  it('serves the OpenAPI document at /docs-json with the envelope, error schemas and security schemes', async () => {
    const { body } = await ctx.http.get('/docs-json').expect(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(body.paths['/api/v1/health'].get.responses['200']).toBeDefined();
    expect(body.components.schemas.ErrorResponseDto.properties.error).toBeDefined();
    expect(body.components.schemas.ErrorBodyDto.properties.code.enum).toEqual([
      'invalid_request',
      'unauthorized',
      'not_found',
      'method_not_allowed',
      'conflict',
      'rate_limited',
      'service_unavailable',
      'internal_error',
    ]);
    expect(body.components.securitySchemes).toMatchObject({
      'management-key': { type: 'apiKey', in: 'header', name: 'X-Management-Key' },
      'bearer-key': { type: 'http', scheme: 'bearer' },
    });
  });

  it('tells in the Authorize dialog what the local default keys are, and claims no JWT', async () => {
    const { body } = await ctx.http.get('/docs-json').expect(200);
    const schemes = body.components.securitySchemes;
    expect(schemes['management-key'].description).toContain('`local-management-key`');
    expect(schemes['ingest-key'].description).toContain('`local-ingest-key`');
    expect(schemes['bearer-key'].description).toContain('`local-management-key`');
    // The key schemes (the metrics token has no local default).
    for (const name of ['management-key', 'ingest-key', 'bearer-key']) {
      expect(schemes[name].description).toContain('Outside production');
    }
    expect(schemes['bearer-key']).not.toHaveProperty('bearerFormat');
  });

  it('types error.details: parameter problems or the run holding a scope, at most 20', async () => {
    const { body } = await ctx.http.get('/docs-json').expect(200);
    const { schemas } = body.components;
    expect(schemas.ErrorBodyDto.properties.details).toMatchObject({
      type: 'array',
      maxItems: 20,
      items: {
        oneOf: [
          { $ref: '#/components/schemas/ProblemDetailDto' },
          { $ref: '#/components/schemas/ConflictDetailDto' },
        ],
      },
    });
    expect(schemas.ProblemDetailDto.required).toEqual(['parameter', 'message']);
    expect(schemas.ConflictDetailDto.required).toEqual(['run_id', 'status']);
    expect(schemas.ConflictDetailDto.properties.status.enum).toEqual(['pending', 'running']);
  });

  it('lists the reports of the catalog as enums, and the sources as an open list', async () => {
    const { body } = await ctx.http.get('/docs-json').expect(200);
    const { paths } = body;
    const { schemas } = body.components;
    const parameter = (path: string, name: string) =>
      paths[path].get.parameters.find((p: { name: string }) => p.name === name);
    for (const path of ['/api/v1/reports/{slug}', '/api/v1/reports/{slug}/run']) {
      expect(parameter(path, 'slug').schema.enum).toEqual(REPORT_SLUGS);
    }
    expect(parameter('/api/v1/recomputations', 'report_slug').schema.enum).toEqual(REPORT_SLUGS);
    for (const schema of ['CreateRecomputationDto', 'RecomputeRunDto', 'FreshnessDto']) {
      expect(schemas[schema].properties.report_slug.enum).toEqual(REPORT_SLUGS);
    }
    const sources = [
      parameter('/api/v1/reports/{slug}/run', 'source'),
      parameter('/api/v1/events', 'source'),
      schemas.IngestEventDto.properties.source,
      schemas.SourceDto.properties.slug,
    ];
    for (const source of sources) {
      expect(source.schema?.enum ?? source.enum).toBeUndefined();
      expect(source.description).toContain('`stripe`, `adyen`, `paypal`');
      expect(source.description).toContain('`POST /sources`');
    }
  });

  it('documents the 503 of every route that uses the database', async () => {
    const { body } = await ctx.http.get('/docs-json').expect(200);
    const without = Object.entries(body.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, { responses: Record<string, unknown> }>)
        .filter(([, operation]) => !operation.responses['503'])
        .map(([method]) => `${method} ${path}`),
    );
    // These two never ask the database: the process's metrics, and liveness.
    expect(without).toEqual(['get /metrics', 'get /api/v1/health/live']);
  });
});
