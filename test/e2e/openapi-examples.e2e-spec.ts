import { readFileSync } from 'node:fs';
import { MANAGEMENT_KEY } from '../support/app.js';
import { useTestApp } from '../support/context.js';
import {
  prefilled,
  schemaProblems,
  successStatus,
  type Content,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi.js';

/** The routes of the document (read when the tests are collected; the served one is checked). */
const ROUTES = Object.entries(
  (JSON.parse(readFileSync('openapi.json', 'utf8')) as OpenApiDocument).paths,
).flatMap(([path, operations]) => Object.keys(operations).map((method) => [method, path]));

type Json = Record<string, unknown>;

/** Where `example` and `real` differ in shape (keys and types); a null matches anything. */
function shapeProblems(example: unknown, real: unknown, at = '$'): string[] {
  if (example === null || real === null) return [];
  if (Array.isArray(example) && Array.isArray(real)) {
    return example.length > 0 && real.length > 0
      ? shapeProblems(example[0], real[0], `${at}[0]`)
      : [];
  }
  if (typeof example !== typeof real || Array.isArray(example) !== Array.isArray(real)) {
    return [`${at}: the example has ${JSON.stringify(example)}, the route ${JSON.stringify(real)}`];
  }
  if (typeof example !== 'object') return [];
  const [a, b] = [example as Json, real as Json];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) =>
    key in a && key in b
      ? shapeProblems(a[key], b[key], `${at}.${key}`)
      : [`${at}.${key}: only in the ${key in a ? 'example' : 'response'}`],
  );
}

describe('Swagger UI "Try it out" → "Execute" with what the document pre-fills, on the demo data', () => {
  const ctx = useTestApp('demo');
  let doc: OpenApiDocument;

  beforeAll(async () => {
    doc = (await ctx.http.get('/docs-json').expect(200)).body;
  });

  const operation = (method: string, path: string): Operation => doc.paths[path][method];

  /** The URL "Execute" requests: path parameters and pre-filled query parameters filled in. */
  async function requestUrl(path: string, op: Operation): Promise<string> {
    let url = path;
    const query = new URLSearchParams();
    for (const parameter of op.parameters ?? []) {
      let value = prefilled(parameter);
      if (parameter.in === 'path' && value === undefined) {
        // A run id has no example (ids differ in every database): its description says to take
        // one from GET /recomputations, as a user would.
        expect(parameter.description).toContain('`GET /recomputations`');
        const runs = await ctx.http
          .get('/api/v1/recomputations')
          .set('X-Management-Key', MANAGEMENT_KEY);
        value = runs.body.data[0].id;
      }
      if (value === undefined) continue;
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, String(value));
      if (parameter.in === 'query') query.set(parameter.name, String(value));
    }
    return query.size > 0 ? `${url}?${query}` : url;
  }

  it('pre-fills no optional parameter: optional filters start empty, only defaults are set', () => {
    const prefilledOptional = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, op]) =>
        (op.parameters ?? [])
          .filter(
            (p) => !p.required && prefilled(p) !== undefined && prefilled(p) !== p.schema?.default,
          )
          .map((p) => `${method} ${path} ${p.name}`),
      ),
    );
    expect(prefilledOptional).toEqual([]);
  });

  it('documents examples that fit their own schemas (requests and responses)', () => {
    const problems = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, op]) => {
        const contents: [string, Content | undefined][] = [
          ['request', op.requestBody?.content['application/json']],
          ...Object.entries(op.responses).map(([status, r]): [string, Content | undefined] => [
            status,
            r.content?.['application/json'],
          ]),
        ];
        return contents.flatMap(([what, content]) =>
          Object.entries(content?.examples ?? {}).flatMap(([name, example]) =>
            schemaProblems(doc, content!.schema!, example.value).map(
              (problem) => `${method} ${path} ${what} example ${name}: ${problem}`,
            ),
          ),
        );
      }),
    );
    expect(problems).toEqual([]);
  });

  /** The request "Execute" sends, to `url` (by default the pre-filled one). */
  async function execute(method: string, path: string, url?: string) {
    const op = operation(method, path);
    let request = ctx.http[method as 'get'](url ?? (await requestUrl(path, op)));
    if (op.security?.length) request = request.set('X-Management-Key', MANAGEMENT_KEY);
    const body = op.requestBody?.content['application/json'];
    // Swagger UI sends the first example, or `{}` for an object schema without examples.
    if (body) request = request.send((Object.values(body.examples ?? {})[0]?.value ?? {}) as Json);
    return request;
  }

  /** Rows of every table a request can write to (each write is audited, too). */
  const stored = async () =>
    (
      await ctx.db.sql.query(
        `SELECT (SELECT count(*)::int FROM audit_entries) AS audit,
                (SELECT count(*)::int FROM recompute_runs) AS runs,
                (SELECT count(*)::int FROM analytics_events) AS events,
                (SELECT string_agg(concat_ws('|', slug, provider_name, description, is_active), ','
                          ORDER BY slug) FROM event_sources) AS sources`,
      )
    ).rows[0];

  // /metrics is read by Prometheus, whose scrape configurations may add parameters of their own
  // (`params`); like other exporters, it ignores them.
  it.each(ROUTES.filter(([, path]) => path !== '/metrics'))(
    '%s %s refuses a parameter it does not document (400 naming it), and writes nothing',
    async (method, path) => {
      const op = operation(method, path);
      const url = await requestUrl(path, op);
      const before = await stored();
      const res = await execute(method, path, `${url}${url.includes('?') ? '&' : '?'}zz_probe=1`);
      const message = 'zz_probe is not a known query parameter';
      expect({ status: res.status, error: res.body.error }).toEqual({
        status: 400,
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(`^${message} \\(allowed: `),
          details: [{ parameter: 'zz_probe', message: res.body.error.message }],
          request_id: expect.any(String),
        },
      });
      // The parameters the message lists are the documented ones.
      const documented = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const listed = /\(allowed: (.*)\)$/.exec(res.body.error.message)![1];
      expect(listed === 'none' ? [] : listed.split(', ').sort()).toEqual(documented.sort());
      expect(await stored()).toEqual(before);
    },
  );

  it.each(ROUTES)(
    '%s %s answers its documented success, with the documented schema and example shape',
    async (method, path) => {
      const op = operation(method, path);
      const res = await execute(method, path);

      const status = successStatus(op);
      expect({ status: res.status, body: res.body }).toMatchObject({ status });
      const plain = op.responses[status].content!['text/plain'];
      if (plain) {
        // /metrics: the Prometheus text format, not JSON.
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        return;
      }
      const content = op.responses[status].content!['application/json'];
      expect(schemaProblems(doc, content.schema!, res.body)).toEqual([]);
      const [example] = Object.values(content.examples ?? {});
      if (example) expect(shapeProblems(example.value, res.body)).toEqual([]);

      // The demo data answers: no list starts empty.
      const data = res.body.data;
      if (method === 'get' && Array.isArray(data)) expect(data.length).toBeGreaterThan(0);
      if (path.endsWith('/run')) expect(data.rows.length).toBeGreaterThan(0);

      // Where the example is the very answer of the pre-filled request, it is exact.
      const exact = example?.value as { data: Json } | undefined;
      if (op.operationId === 'EventsController_ingest') expect(res.body).toEqual(exact);
      if (op.operationId === 'RecomputeController_create') {
        expect(res.body).toEqual({
          data: { ...exact!.data, id: expect.any(String), requested_at: expect.any(String) },
          meta: {},
        });
        expect(res.body.data.status).toBe('pending');
      }
    },
  );
});
