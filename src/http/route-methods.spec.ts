import { MAX_PARAM_LENGTH, RouteMethods } from './route-methods.js';

describe(RouteMethods.name, () => {
  const routes = new RouteMethods();
  routes.add('/api/v1/reports', ['GET', 'HEAD']);
  routes.add('/api/v1/reports/:slug/run', 'GET');
  routes.add('/api/v1/recomputations', 'POST');
  routes.add('/api/v1/recomputations', 'GET');
  routes.add('/docs/*', ['GET', 'HEAD']);
  routes.add('/a.b+c', 'GET');
  routes.add('*', 'OPTIONS');
  routes.add('/*', 'OPTIONS');

  it.each([
    ['/api/v1/reports', ['GET', 'HEAD']],
    ['/api/v1/reports/volume-by-period/run', ['GET']],
    ['/api/v1/reports/%2F/run', ['GET']],
    ['/api/v1/recomputations', ['GET', 'POST']],
    ['/docs/swagger-ui.css', ['GET', 'HEAD']],
    ['/docs/', ['GET', 'HEAD']],
    ['/a.b+c', ['GET']],
    [`/api/v1/reports/${'x'.repeat(MAX_PARAM_LENGTH)}/run`, ['GET']],
    // Measured as the router measures it: each escape is one character.
    [`/api/v1/reports/${'%40'.repeat(MAX_PARAM_LENGTH)}/run`, ['GET']],
  ])('%s answers %j', (path, methods) => {
    expect(routes.allowedFor(path)).toEqual(methods);
  });

  it.each([
    '/api/v1/reports/',
    '/api/v1/reports/x/run/extra',
    '/api/v1/reports//run',
    '/api/v1/recomputationsX',
    '/docs',
    '/aXb+c',
    '/a.bbc',
    '/nope',
    // The router answers a longer parameter 404, so no method is offered for it.
    `/api/v1/reports/${'x'.repeat(MAX_PARAM_LENGTH + 1)}/run`,
    `/api/v1/reports/${'%40'.repeat(MAX_PARAM_LENGTH + 1)}/run`,
  ])('%s answers nothing (catch-all routes left out)', (path) => {
    expect(routes.allowedFor(path)).toEqual([]);
  });
});
