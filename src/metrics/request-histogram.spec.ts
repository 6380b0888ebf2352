import { Histogram, Registry } from 'prom-client';
import { RequestHistogram } from './request-histogram.js';

const NAME = 'tally_http_request_duration_seconds';
const HELP = 'HTTP requests';
const BUCKETS = [0.0005, 0.001, 0.01, 0.5, 1, 10];

/** Requests as (method, route, status, seconds): bounds exactly, between them, beyond the last. */
const REQUESTS: [string, string, number, number][] = [
  ['GET', '/api/v1/reports/:slug/run', 200, 0.0001],
  ['GET', '/api/v1/reports/:slug/run', 200, 0.0005],
  ['GET', '/api/v1/reports/:slug/run', 200, 0.00051],
  ['GET', '/api/v1/reports/:slug/run', 404, 0.75],
  ['POST', '/api/v1/events', 202, 10],
  ['POST', '/api/v1/events', 202, 12.5],
  ['GET', 'unmatched', 404, 0],
  ['GET', '/api/v1/reports/:slug/run', 200, 1],
];

describe(RequestHistogram.name, () => {
  it("exposes the same text as prom-client's Histogram with the same observations", async () => {
    const ours = new Registry();
    const histogram = new RequestHistogram(NAME, HELP, BUCKETS, ours);
    const theirs = new Registry();
    const reference = new Histogram({
      name: NAME,
      help: HELP,
      labelNames: ['method', 'route', 'status_code'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [method, route, status, seconds] of REQUESTS) {
      histogram.observe(method, route, status, seconds);
      reference.labels(method, route, String(status)).observe(seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(
      `${NAME}_bucket{le="0.0005",method="GET",route="/api/v1/reports/:slug/run",status_code="200"} 2`,
    );
    // As JSON too (for aggregation across a cluster), apart from prom-client's exemplar slots.
    const withoutExemplars = (metrics: unknown) =>
      JSON.parse(JSON.stringify(metrics, (key, value) => (key === 'exemplar' ? undefined : value)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
      withoutExemplars(await theirs.getMetricsAsJSON()),
    );
  });

  it('counts no observation without a duration, and hands out copies of its labels', async () => {
    const registry = new Registry();
    const histogram = new RequestHistogram(NAME, HELP, BUCKETS, registry);
    histogram.observe('GET', '/x', 200, Number.NaN);
    expect(await registry.metrics()).not.toContain('_count');
    histogram.observe('GET', '/x', 200, 0.1);
    const [metric] = await registry.getMetricsAsJSON();
    for (const value of metric.values) (value.labels as Record<string, string>).method = 'changed';
    const text = await registry.metrics();
    expect(text).toContain(`${NAME}_count{method="GET",route="/x",status_code="200"} 1`);
    expect(text).not.toContain('changed');
  });

  it('starts over when the registry is reset', async () => {
    const registry = new Registry();
    const histogram = new RequestHistogram(NAME, HELP, BUCKETS, registry);
    histogram.observe('GET', '/x', 200, 0.1);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(`# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`);
  });
});
