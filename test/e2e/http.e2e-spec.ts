import { useTestApp } from '../support/context.js';

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
    ['post', '/api/v1/health'],
    ['delete', '/api/v1/reports'],
    ['get', '/api/v2/health'],
  ] as const)('%s %s is a 404 not_found envelope', async (method, path) => {
    const res = await ctx.http[method](path).expect(404);
    expect(res.body).toEqual(errorBody('not_found'));
    expect(res.body.error.message).toContain(path);
    expect(res.body).not.toHaveProperty('data');
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await ctx.http.get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
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
});
