import {
  DEADLOCK_ATTEMPTS,
  isDatabaseTimeout,
  isDatabaseUnavailable,
  isDeadlock,
  isUniqueViolation,
  retryOnDeadlock,
} from './database-errors.js';

describe(isDatabaseUnavailable.name, () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006' }],
    [{ code: '3D000', message: 'database "x" does not exist' }],
    [{ code: '55000', routine: 'CheckMyDatabase', message: 'database "x" is not currently …' }],
    [{ code: '28P01', message: 'password authentication failed for user "tally"' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
  ])('treats %j as the database being unavailable', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: '23505' }],
    [{ code: '55000', routine: 'CheckTableNotInUse', message: 'cannot ALTER TABLE …' }],
    [new Error('boom')],
    [undefined],
    ['text'],
  ])('does not treat %j as unavailability', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe(isUniqueViolation.name, () => {
  it.each([[{ code: '23505' }], [{ driverError: { code: '23505' } }]])(
    'treats %j as a unique violation',
    (error) => {
      expect(isUniqueViolation(error)).toBe(true);
    },
  );

  it.each([[{ code: '40P01' }], [{ driverError: { code: '23503' } }], [undefined], ['text']])(
    'does not treat %j as one',
    (error) => {
      expect(isUniqueViolation(error)).toBe(false);
    },
  );
});

describe(retryOnDeadlock.name, () => {
  it('runs the work again after a deadlock, and only then, a bounded number of times', async () => {
    let calls = 0;
    const deadlocked = { driverError: { code: '40P01' } };
    expect(isDeadlock(deadlocked)).toBe(true);
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        if (calls === 1) throw deadlocked;
        return 'stored';
      }),
    ).resolves.toBe('stored');
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        throw deadlocked;
      }),
    ).rejects.toBe(deadlocked);
    expect(calls).toBe(DEADLOCK_ATTEMPTS);
  });
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
