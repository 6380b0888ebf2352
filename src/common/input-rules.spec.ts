import {
  integerProblem,
  integerTextProblem,
  isPrintable,
  oneOfProblem,
  parseInteger,
  repeatedProblem,
  shownName,
  slugProblem,
  textProblem,
  unknownNameProblems,
} from './input-rules.js';
import {
  dayProblem,
  dayRangeProblem,
  parseDay,
  parseTimestamp,
  timestampOrDayProblem,
  timestampProblem,
} from './time-rules.js';

describe('input rules', () => {
  it('tells printable text from controls and broken surrogates', () => {
    expect(isPrintable('evt-1 ünïcødé 🚀 مرحبا 👩‍💻')).toBe(true);
    for (const bad of ['a\u0000b', 'tab\there', 'del\u007f', 'c1\u0085', '\ud800x', 'x\udc00']) {
      expect(isPrintable(bad)).toBe(false);
    }
    // Text that displays as something it is not: bidirectional overrides, embeddings, isolates.
    for (const bad of ['admin\u202e', '\u202aa', 'a\u2066b\u2069', '\ufeffalice']) {
      expect(isPrintable(bad)).toBe(false);
    }
  });

  it('names what is wrong with a text field', () => {
    const rule = { max: 4 };
    expect(textProblem('ref', 'abcd', rule)).toBeUndefined();
    expect(textProblem('ref', '🚀🚀🚀🚀', rule)).toBeUndefined(); // characters, not UTF-16 units
    expect(textProblem('ref', undefined, rule)).toBe('ref is required');
    expect(textProblem('ref', null, rule)).toBe('ref is required');
    expect(textProblem('ref', 12, rule)).toBe('ref must be a string');
    expect(textProblem('ref', '', rule)).toBe('ref must not be empty');
    expect(textProblem('ref', 'abcde', rule)).toBe('ref must be 1–4 characters long');
    expect(textProblem('ref', 'a\u0000', rule)).toBe('ref must contain only printable characters');
    expect(textProblem('ref', '  ', rule)).toBe('ref must not be blank');
    expect(textProblem('ref', '\u00a0', rule)).toBe('ref must not be blank');
    expect(textProblem('ref', ' a ', rule)).toBeUndefined();
    for (const wrongType of [12, true, [], {}, ['a']]) {
      expect(textProblem('ref', wrongType, rule)).toBe('ref must be a string');
    }
  });

  it('allows empty text when the rule says so, and then names only the maximum', () => {
    const rule = { min: 0, max: 3 };
    expect(textProblem('search', '', rule)).toBeUndefined();
    expect(textProblem('search', ' ', rule)).toBeUndefined();
    expect(textProblem('search', 'abcd', rule)).toBe('search must be at most 3 characters long');
    expect(textProblem('name', 'a', { min: 2, max: 3 })).toBe('name must be 2–3 characters long');
  });

  it('lets a filter look up text stored before blank text and display controls were refused', () => {
    const lookup = { max: 10, lookup: true };
    expect(textProblem('entity_id', ' ', lookup)).toBeUndefined();
    expect(textProblem('entity_id', 'a\u202eb', lookup)).toBeUndefined();
    expect(textProblem('entity_id', '', lookup)).toBe('entity_id must not be empty');
    expect(textProblem('entity_id', 'a\u0000', lookup)).toBe(
      'entity_id must contain only printable characters',
    );
  });

  it('accepts only JSON integers within bounds', () => {
    expect(integerProblem('n', 0, 0, 10)).toBeUndefined();
    expect(integerProblem('n', 10, 0, 10)).toBeUndefined();
    expect(integerProblem('n', 11, 0, 10)).toBe('n must be between 0 and 10');
    expect(integerProblem('n', -1, 0, 10)).toBe('n must be between 0 and 10');
    for (const bad of [1.5, '5', Infinity, true, [], {}]) {
      expect(integerProblem('n', bad, 0, 10)).toBe('n must be an integer');
    }
    // NaN: how parseJson reads an integer too large for a double.
    expect(integerProblem('n', NaN, 0, 10)).toBe('n must be between 0 and 10');
    expect(integerProblem('n', undefined, 0, 10)).toBe('n is required');
  });

  it('parses integer text strictly, with the same bounds and messages as JSON integers', () => {
    expect(parseInteger('0')).toBe(0);
    expect(parseInteger('-12')).toBe(-12);
    expect(parseInteger('007')).toBe(7);
    for (const bad of ['', ' 1', '1 ', '+1', '1.0', '1e2', '0x10', 'NaN', '1_000', '１']) {
      expect(parseInteger(bad)).toBeUndefined();
    }
    expect(integerTextProblem('limit', '100', 1, 100)).toBeUndefined();
    expect(integerTextProblem('limit', '101', 1, 100)).toBe(integerProblem('limit', 101, 1, 100));
    expect(integerTextProblem('limit', '0', 1, 100)).toBe('limit must be between 1 and 100');
    expect(integerTextProblem('limit', '99999999999999999999', 1, 100)).toBe(
      'limit must be between 1 and 100',
    );
    expect(integerTextProblem('limit', 'abc', 1, 100)).toBe('limit must be an integer');
    expect(integerTextProblem('limit', '1.5', 1, 100)).toBe(integerProblem('limit', 1.5, 1, 100));
    expect(integerTextProblem('limit', undefined, 1, 100)).toBe('limit is required');
  });

  it('names the allowed values of a fixed set', () => {
    expect(oneOfProblem('window', 'day', ['day', 'week'])).toBeUndefined();
    for (const bad of ['month', 'Day', '', 7, ['day']]) {
      expect(oneOfProblem('window', bad, ['day', 'week'])).toBe('window must be one of day, week');
    }
    expect(oneOfProblem('window', null, ['day', 'week'])).toBe('window is required');
  });

  it('accepts only real calendar days between EARLIEST_DAY and LATEST_DAY', () => {
    for (const day of ['2000-01-01', '2024-02-29', '2026-11-28', '2999-12-31']) {
      expect(dayProblem('date_from', day)).toBeUndefined();
      expect(parseDay(day)?.toISOString()).toBe(`${day}T00:00:00.000Z`);
    }
    const cases: [unknown, string][] = [
      [undefined, 'is required'],
      [null, 'is required'],
      [20260301, 'must be a date in YYYY-MM-DD format'],
      [['2026-03-01'], 'must be a date in YYYY-MM-DD format'],
      ['', 'must be a date in YYYY-MM-DD format'],
      ['today', 'must be a date in YYYY-MM-DD format'],
      ['20260301', 'must be a date in YYYY-MM-DD format'],
      ['2026-3-01', 'must be a date in YYYY-MM-DD format'],
      [' 2026-03-01', 'must be a date in YYYY-MM-DD format'],
      ['2026-03-01T00:00:00Z', 'must be a date in YYYY-MM-DD format'],
      ['+02026-03-01', 'must be a date in YYYY-MM-DD format'],
      ['2025-02-29', 'must be a real calendar date (2025-02-29 does not exist)'],
      ['2026-04-31', 'must be a real calendar date (2026-04-31 does not exist)'],
      ['2026-13-01', 'must be a real calendar date (2026-13-01 does not exist)'],
      ['2026-00-10', 'must be a real calendar date (2026-00-10 does not exist)'],
      ['1999-12-31', 'must be between 2000-01-01 and 2999-12-31'],
      ['0000-01-01', 'must be between 2000-01-01 and 2999-12-31'],
      ['3000-01-01', 'must be between 2000-01-01 and 2999-12-31'],
      ['3000-02-30', 'must be between 2000-01-01 and 2999-12-31'],
    ];
    for (const [value, reason] of cases) {
      expect(dayProblem('date_to', value)).toBe(`date_to ${reason}`);
    }
    expect(parseDay('2026-02-30')).toBeUndefined();
    expect(parseDay('0000-01-01')).toBeUndefined(); // PostgreSQL's calendar has no year 0
    expect(parseDay('0001-01-01')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('checks the order and length of a day range, naming date_from', () => {
    expect(dayRangeProblem('2026-03-01', '2026-03-01', 1)).toBeUndefined();
    expect(dayRangeProblem('2026-01-01', '2026-12-31', 365)).toBeUndefined();
    expect(dayRangeProblem('2026-03-02', '2026-03-01', 366)).toEqual({
      parameter: 'date_from',
      message: 'date_from must not be after date_to',
    });
    expect(dayRangeProblem('2026-03-02', '2026-03-01', 366, '2026-03-01')).toEqual({
      parameter: 'date_from',
      message: 'date_from must not be after date_to (date_to defaults to today, 2026-03-01)',
    });
    expect(dayRangeProblem('2026-01-01', '2026-12-31', 364)).toEqual({
      parameter: 'date_from',
      message: 'date_from to date_to spans 365 days; the maximum is 364 (MAX_REPORT_RANGE_DAYS)',
    });
  });

  it('refuses every unknown name, whatever it is called, and cuts long names short', () => {
    const names = Object.getOwnPropertyNames(Object.prototype); // constructor, __proto__, toString…
    expect(names).toEqual(expect.arrayContaining(['constructor', '__proto__', 'hasOwnProperty']));
    const problems = unknownNameProblems([...names, 'limit'], ['limit'], 'query parameter');
    expect(problems.map((problem) => problem.parameter)).toEqual(names);
    expect(problems[0]).toEqual({
      parameter: names[0],
      message: `${names[0]} is not a known query parameter (allowed: limit)`,
    });
    expect(unknownNameProblems(['x'], [], 'field')).toEqual([
      { parameter: 'x', message: 'x is not a known field (allowed: none)' },
    ]);
    expect(unknownNameProblems([''], ['a'], 'query parameter')).toEqual([
      { parameter: '""', message: '"" is not a known query parameter (allowed: a)' },
    ]);
    const long = 'k'.repeat(10_000);
    expect(shownName(long)).toBe(`${'k'.repeat(64)}…`);
    expect(unknownNameProblems([long], ['a'], 'field')[0].message).toBe(
      `${'k'.repeat(64)}… is not a known field (allowed: a)`,
    );
  });

  it('refuses a query parameter given twice', () => {
    expect(repeatedProblem('limit', '1')).toBeUndefined();
    expect(repeatedProblem('limit', ['1', '2'])).toBe('limit must be given only once');
  });

  it('checks slugs', () => {
    expect(slugProblem('slug', 'stripe-eu')).toBeUndefined();
    expect(slugProblem('slug', '9pay')).toBeUndefined();
    for (const bad of ['', '-x', 'Stripe', 'a_b', 'a'.repeat(65), 'ü']) {
      expect(slugProblem('slug', bad)).toMatch(/^slug must be 1–64 lower-case/);
    }
  });

  it('parses RFC 3339 timestamps with offsets, to the millisecond', () => {
    expect(parseTimestamp('2026-11-28T09:30:00Z')).toBe(Date.parse('2026-11-28T09:30:00Z'));
    expect(parseTimestamp('2026-11-28t09:30:00.5z')).toBe(Date.parse('2026-11-28T09:30:00.500Z'));
    expect(parseTimestamp('2026-11-28T10:30:00.123456+01:00')).toBe(
      Date.parse('2026-11-28T09:30:00.123Z'),
    );
    expect(parseTimestamp('2026-11-28T00:30:00-05:30')).toBe(Date.parse('2026-11-28T06:00:00Z'));
    for (const bad of [
      '2026-11-28T09:30:00', // no offset
      '2026-11-28 09:30:00Z',
      '2026-11-28',
      '2026-02-30T00:00:00Z',
      '2026-11-28T24:00:00Z',
      '2026-11-28T23:60:00Z',
      '2026-12-31T23:59:60Z',
      '2026-11-28T09:30:00+24:00',
      '2026-11-28T09:30:00.1234567Z',
      '+2026-11-28T09:30:00Z',
      '0000-01-01T00:00:00Z', // PostgreSQL's calendar has no year 0
      '0000-12-31T23:59:59.999999-15:59',
      '2026-11-28T09:30:00+01:60',
    ]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });

  it('takes the offsets PostgreSQL takes, ±15:59 at most, and names the range otherwise', () => {
    expect(parseTimestamp('2026-11-28T10:00:00+15:59')).toBe(Date.parse('2026-11-27T18:01:00Z'));
    expect(parseTimestamp('2026-11-28T10:00:00-15:59')).toBe(Date.parse('2026-11-29T01:59:00Z'));
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(parseTimestamp('9999-12-31T23:59:59.999999Z')).toBe(
      Date.parse('9999-12-31T23:59:59.999Z'),
    );
    const rule = { min: 0, max: Date.parse('2999-12-31T00:00:00Z'), minText: 'a', maxText: 'b' };
    for (const hours of ['16', '18', '23', '24', '99']) {
      for (const offset of [`+${hours}:00`, `-${hours}:00`, `+${hours}:59`]) {
        const value = `2026-11-28T10:00:00${offset}`;
        expect(parseTimestamp(value)).toBeUndefined();
        expect(timestampProblem('at', value, rule)).toBe(
          'at must have a UTC offset between -15:59 and +15:59',
        );
      }
    }
  });

  it('bounds timestamps', () => {
    const rule = {
      min: Date.parse('2000-01-01T00:00:00Z'),
      max: Date.parse('2026-11-28T12:00:00Z'),
      minText: '2000-01-01',
      maxText: '5 minutes from now',
    };
    expect(timestampProblem('at', '2000-01-01T00:00:00Z', rule)).toBeUndefined();
    expect(timestampProblem('at', '1999-12-31T23:59:59Z', rule)).toBe(
      'at must not be before 2000-01-01',
    );
    expect(timestampProblem('at', '2026-11-28T12:00:01Z', rule)).toBe(
      'at must not be later than 5 minutes from now',
    );
    expect(timestampProblem('at', '2026-11-28T09:30:00', rule)).toMatch(/with an offset/);
    expect(timestampProblem('at', 1764322200000, rule)).toBe('at must be a string');
    expect(timestampProblem('at', '0000-01-01T00:00:00Z', rule)).toMatch(/with an offset/);
  });

  it('bounds timestamp-or-day filters to the days reports name, in UTC', () => {
    for (const good of [
      '2000-01-01',
      '2999-12-31',
      '2000-01-01T00:00:00Z',
      '2000-01-01T01:00:00+01:00',
      '2999-12-31T23:59:59.999999Z',
      '2999-12-31T23:59:59-00:00',
      '2026-11-28T10:00:00+15:59',
    ]) {
      expect(timestampOrDayProblem('occurred_from', good)).toBeUndefined();
    }
    const cases: [string, string][] = [
      ['0000-01-01', 'must be between 2000-01-01 and 2999-12-31'],
      ['1999-12-31', 'must be between 2000-01-01 and 2999-12-31'],
      ['9999-12-31', 'must be between 2000-01-01 and 2999-12-31'],
      ['2026-02-30', 'must be a real calendar date (2026-02-30 does not exist)'],
      ['0000-01-01T00:00:00Z', 'must be an RFC 3339 timestamp with an offset'],
      ['1999-12-31T23:59:59.999999Z', 'must not be before 2000-01-01 (UTC)'],
      ['2000-01-01T00:59:59+01:00', 'must not be before 2000-01-01 (UTC)'],
      ['3000-01-01T00:00:00Z', 'must not be later than 2999-12-31 (UTC)'],
      ['2999-12-31T23:59:59-00:01', 'must not be later than 2999-12-31 (UTC)'],
      ['9999-12-31T23:59:59-15:59', 'must not be later than 2999-12-31 (UTC)'],
      ['9999-12-31T23:59:59-23:59', 'must have a UTC offset between -15:59 and +15:59'],
      ['2026-11-28T10:00:00+16:00', 'must have a UTC offset between -15:59 and +15:59'],
      ['2026-02-30T00:00:00Z', 'must be an RFC 3339 timestamp with an offset'],
      ['2026-11-28T24:00:00Z', 'must be an RFC 3339 timestamp with an offset'],
      ['yesterday', 'must be an RFC 3339 timestamp with an offset'],
    ];
    for (const [value, reason] of cases) {
      expect(timestampOrDayProblem('occurred_to', value)).toContain(`occurred_to ${reason}`);
    }
    expect(timestampOrDayProblem('occurred_to', 20261128)).toMatch(/or a day \(2026-11-28\)$/);
  });
});
