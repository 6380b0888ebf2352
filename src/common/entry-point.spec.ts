import { ConfigError } from '../config/app.config.js';
import { databaseTarget, failureMessage } from './entry-point.js';

describe(failureMessage.name, () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6543'), {
    code: 'ECONNREFUSED',
  });

  it('names an unreachable database without its credentials', () => {
    expect(failureMessage(refused, false, { url: 'postgres://u:pw@db.internal:6543/tally' })).toBe(
      'PostgreSQL at db.internal:6543/tally could not be reached: connect ECONNREFUSED 10.0.0.5:6543',
    );
    expect(failureMessage(refused, false, { url: undefined })).toBe(
      'the embedded PostgreSQL could not be reached: connect ECONNREFUSED 10.0.0.5:6543',
    );
  });

  it('says nothing of the database for other failures, or when not asked', () => {
    expect(failureMessage(new Error('boom'), false, { url: 'postgres://h/d' })).toBe('boom');
    expect(failureMessage(refused, false)).toBe('connect ECONNREFUSED 10.0.0.5:6543');
    expect(failureMessage(new ConfigError('PORT must be a number'), false)).toBe(
      'Invalid configuration: PORT must be a number',
    );
  });

  it('reads the default port and an unparsable URL', () => {
    expect(databaseTarget('postgres://h/d')).toBe('PostgreSQL at h:5432/d');
    expect(databaseTarget('not a url')).toBe('PostgreSQL (DATABASE_URL)');
  });
});
