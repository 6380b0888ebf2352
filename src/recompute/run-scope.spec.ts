import { resolveActor } from './run-scope.js';

describe('recompute run scope rules', () => {
  describe(resolveActor.name, () => {
    it('prefers requested_by, then X-Actor, then management-api', () => {
      expect(resolveActor('alice', 'bob')).toEqual({ actor: 'alice' });
      expect(resolveActor(undefined, ' bob ')).toEqual({ actor: 'bob' });
      expect(resolveActor(undefined, '   ')).toEqual({ actor: 'management-api' });
      expect(resolveActor(undefined, undefined)).toEqual({ actor: 'management-api' });
    });

    it('rejects an X-Actor header sent twice, too long or unprintable', () => {
      expect(resolveActor(undefined, ['a', 'b'])).toMatchObject({
        problem: { parameter: 'X-Actor' },
      });
      expect(resolveActor(undefined, 'x'.repeat(201))).toEqual({
        problem: { parameter: 'X-Actor', message: 'X-Actor must be 1–200 characters long' },
      });
      expect(resolveActor(undefined, 'al\u0085ice')).toEqual({
        problem: {
          parameter: 'X-Actor',
          message: 'X-Actor must contain only printable characters',
        },
      });
    });
  });
});
