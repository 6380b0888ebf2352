import { exampleDay, exampleTime, exampleWeek, resolveExampleDates } from './example-dates.js';

describe(resolveExampleDates.name, () => {
  it('replaces every token with its day relative to today, across months and years', () => {
    const document = {
      example: { date_from: exampleDay(-29), date_to: exampleDay() },
      list: [exampleTime(-1, '09:30:00.000Z'), exampleDay(3), 'no token here'],
      message: `a recompute of x/day ${exampleDay(-6)}..${exampleDay()} is already running`,
    };
    expect(resolveExampleDates(document, '2027-01-02')).toEqual({
      example: { date_from: '2026-12-04', date_to: '2027-01-02' },
      list: ['2027-01-01T09:30:00.000Z', '2027-01-05', 'no token here'],
      message: 'a recompute of x/day 2026-12-27..2027-01-02 is already running',
    });
  });

  it('resolves weeks to the Mondays that start week buckets', () => {
    // 2026-11-29 is a Sunday, 2026-11-30 a Monday.
    const weeks = [exampleWeek(), exampleWeek(-4), exampleWeek(1)];
    expect(resolveExampleDates(weeks, '2026-11-29')).toEqual([
      '2026-11-23',
      '2026-10-26',
      '2026-11-30',
    ]);
    expect(resolveExampleDates(weeks, '2026-11-30')).toEqual([
      '2026-11-30',
      '2026-11-02',
      '2026-12-07',
    ]);
  });

  it('counts leap days', () => {
    expect(resolveExampleDates([exampleDay(-1), exampleDay(1)], '2028-02-29')).toEqual([
      '2028-02-28',
      '2028-03-01',
    ]);
  });

  it('leaves other braces and dates alone', () => {
    const value = { text: '{today is not a token} {tomorrow} 2026-02-30', n: 3, z: null };
    expect(resolveExampleDates(value, '2026-11-29')).toEqual(value);
  });
});

describe(exampleDay.name, () => {
  it('writes the offset with its sign', () => {
    expect([exampleDay(), exampleDay(0), exampleDay(-90), exampleDay(7)]).toEqual([
      '{today}',
      '{today}',
      '{today-90}',
      '{today+7}',
    ]);
  });

  it('refuses a fraction of a day', () => {
    expect(() => exampleDay(0.5)).toThrow('not a whole number of days');
    expect(() => exampleWeek(-0.5)).toThrow('not a whole number of days');
  });
});
