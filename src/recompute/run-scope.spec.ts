import { dayProblem, rangeProblem, resolveActor } from './run-scope.js';

describe('recompute run scope rules', () => {
  describe(dayProblem.name, () => {
    it('accepts strict YYYY-MM-DD calendar days in range', () => {
      for (const day of ['2026-03-01', '2024-02-29', '1970-01-01', '2999-12-31']) {
        expect(dayProblem('date_from', day)).toBeUndefined();
      }
    });

    it.each([
      ['20260301', 'must be a date in YYYY-MM-DD format'],
      ['2026-3-01', 'must be a date in YYYY-MM-DD format'],
      [' 2026-03-01', 'must be a date in YYYY-MM-DD format'],
      ['2026-03-01T00:00:00Z', 'must be a date in YYYY-MM-DD format'],
      [20260301, 'must be a date in YYYY-MM-DD format'],
      [null, 'must be a date in YYYY-MM-DD format'],
      ['2025-02-29', 'must be a real calendar date (2025-02-29 does not exist)'],
      ['2026-04-31', 'must be a real calendar date (2026-04-31 does not exist)'],
      ['2026-00-10', 'must be a real calendar date (2026-00-10 does not exist)'],
      ['1969-12-31', 'must be between 1970-01-01 and 2999-12-31'],
      ['3000-01-01', 'must be between 1970-01-01 and 2999-12-31'],
    ])('rejects %p: date_to %s', (value, reason) => {
      expect(dayProblem('date_to', value)).toBe(`date_to ${reason}`);
    });
  });

  describe(rangeProblem.name, () => {
    it('accepts one day and exactly the maximum', () => {
      expect(rangeProblem('2026-03-01', '2026-03-01', 1)).toBeUndefined();
      expect(rangeProblem('2026-01-01', '2026-12-31', 365)).toBeUndefined();
    });

    it('rejects a reversed range and one day too many, naming date_from', () => {
      expect(rangeProblem('2026-03-02', '2026-03-01', 366)).toEqual({
        parameter: 'date_from',
        message: 'date_from must not be after date_to',
      });
      expect(rangeProblem('2026-01-01', '2026-12-31', 364)).toEqual({
        parameter: 'date_from',
        message: 'date_from to date_to spans 365 days; the maximum is 364 (MAX_REPORT_RANGE_DAYS)',
      });
    });
  });

  describe(resolveActor.name, () => {
    it('prefers requested_by, then X-Actor, then management-api', () => {
      expect(resolveActor('alice', 'bob')).toEqual({ actor: 'alice' });
      expect(resolveActor(undefined, ' bob ')).toEqual({ actor: 'bob' });
      expect(resolveActor(undefined, '   ')).toEqual({ actor: 'management-api' });
      expect(resolveActor(undefined, undefined)).toEqual({ actor: 'management-api' });
    });

    it('rejects an X-Actor header sent twice or too long', () => {
      expect(resolveActor(undefined, ['a', 'b'])).toMatchObject({
        problem: { parameter: 'X-Actor' },
      });
      expect(resolveActor(undefined, 'x'.repeat(201))).toMatchObject({
        problem: { parameter: 'X-Actor', message: 'X-Actor must be at most 200 characters' },
      });
    });
  });
});
