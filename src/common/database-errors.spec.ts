import { isDatabaseTimeout, isDatabaseUnavailable } from './database-errors.js';

describe(isDatabaseUnavailable.name, () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006' }],
    [{ code: '3D000', message: 'database "x" does not exist' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
  ])('treats %j as the database being unavailable', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([[{ code: '23505' }], [new Error('boom')], [undefined], ['text']])(
    'does not treat %j as unavailability',
    (error) => {
      expect(isDatabaseUnavailable(error)).toBe(false);
    },
  );
});

describe(isDatabaseTimeout.name, () => {
  it.each([
    [{ code: '57014', message: 'canceling statement due to statement timeout' }],
    [new Error('Query read timeout')],
  ])('treats %j as a timeout', (error) => {
    expect(isDatabaseTimeout(error)).toBe(true);
  });

  it.each([[{ code: '08006' }], [new Error('boom')], [undefined]])(
    'does not treat %j as a timeout',
    (error) => {
      expect(isDatabaseTimeout(error)).toBe(false);
    },
  );
});
