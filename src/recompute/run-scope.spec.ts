import { resolveActor } from './run-scope.js';

describe('recompute run scope rules', () => {
  describe(resolveActor.name, () => {
    it('prefers requested_by, then X-Actor, then management-api', () => {
      expect(resolveActor('alice', 'bob')).toEqual({ actor: 'alice' });
      expect(resolveActor(undefined, ' bob ')).toEqual({ actor: 'bob' });
      expect(resolveActor(undefined, undefined)).toEqual({ actor: 'management-api' });
    });

    it('rejects an X-Actor header sent twice, blank, too long or unprintable', () => {
      expect(resolveActor(undefined, '   ')).toEqual({
        problem: { parameter: 'X-Actor', message: 'X-Actor must not be empty' },
      });
      expect(resolveActor(undefined, ['a', 'b'])).toMatchObject({
        problem: { parameter: 'X-Actor' },
      });
      expect(resolveActor(undefined, 'x'.repeat(201))).toEqual({
        problem: { parameter: 'X-Actor', message: 'X-Actor must be 1–200 characters long' },
      });
      // U+0085 as its UTF-8 bytes, as Node reads a header (a character per byte).
      expect(resolveActor(undefined, 'al\u00c2\u0085ice')).toEqual({
        problem: {
          parameter: 'X-Actor',
          message: 'X-Actor must contain only printable characters',
        },
      });
    });
  });
});
