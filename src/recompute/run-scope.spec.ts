import { Secrets } from '../common/secrets.js';
import { resolveActor } from './run-scope.js';

const SECRETS = new Secrets(['the-management-key']);

describe('recompute run scope rules', () => {
  describe(resolveActor.name, () => {
    it('prefers requested_by, then X-Actor, then management-api', () => {
      expect(resolveActor('alice', 'bob', SECRETS)).toEqual({ actor: 'alice' });
      expect(resolveActor(undefined, ' bob ', SECRETS)).toEqual({ actor: 'bob' });
      expect(resolveActor(undefined, undefined, SECRETS)).toEqual({ actor: 'management-api' });
    });

    it('rejects an X-Actor header sent twice, blank, too long or unprintable', () => {
      expect(resolveActor(undefined, '   ', SECRETS)).toEqual({
        problem: { parameter: 'X-Actor', message: 'X-Actor must not be empty' },
      });
      expect(resolveActor(undefined, ['a', 'b'], SECRETS)).toMatchObject({
        problem: { parameter: 'X-Actor' },
      });
      expect(resolveActor(undefined, 'x'.repeat(201), SECRETS)).toEqual({
        problem: { parameter: 'X-Actor', message: 'X-Actor must be 1–200 characters long' },
      });
      // U+0085 as its UTF-8 bytes, as Node reads a header (a character per byte).
      expect(resolveActor(undefined, 'al\u00c2\u0085ice', SECRETS)).toEqual({
        problem: {
          parameter: 'X-Actor',
          message: 'X-Actor must contain only printable characters',
        },
      });
    });

    it('rejects a requested_by containing a configured key or token', () => {
      expect(resolveActor('ops the-management-key', undefined, SECRETS)).toEqual({
        problem: {
          parameter: 'requested_by',
          message: 'requested_by must not contain an API key or token',
        },
      });
      expect(resolveActor('the-management', undefined, SECRETS)).toEqual({
        actor: 'the-management',
      });
    });
  });
});
