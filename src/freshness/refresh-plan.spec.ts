import { planRanges } from './refresh-plan.js';

describe(planRanges.name, () => {
  it('merges adjacent dirty days into ranges, and only those', () => {
    expect(
      planRanges(
        'day',
        ['2026-11-03', '2026-11-01', '2026-11-02', '2026-11-05', '2026-11-02'],
        366,
      ),
    ).toEqual([
      { dateFrom: '2026-11-01', dateTo: '2026-11-03' },
      { dateFrom: '2026-11-05', dateTo: '2026-11-05' },
    ]);
    expect(planRanges('day', [], 366)).toEqual([]);
  });

  it('covers whole weeks, Monday to Sunday, merging adjacent weeks', () => {
    // 2026-11-23 is a Monday.
    expect(
      planRanges('week', ['2026-11-29', '2026-11-24', '2026-12-01', '2026-12-16'], 366),
    ).toEqual([
      { dateFrom: '2026-11-23', dateTo: '2026-12-06' },
      { dateFrom: '2026-12-14', dateTo: '2026-12-20' },
    ]);
  });

  it('crosses months and years', () => {
    expect(planRanges('day', ['2026-12-31', '2027-01-01'], 366)).toEqual([
      { dateFrom: '2026-12-31', dateTo: '2027-01-01' },
    ]);
  });

  it('cuts a range longer than the maximum into whole buckets', () => {
    const days = Array.from({ length: 10 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    expect(planRanges('day', days, 4)).toEqual([
      { dateFrom: '2026-11-01', dateTo: '2026-11-04' },
      { dateFrom: '2026-11-05', dateTo: '2026-11-08' },
      { dateFrom: '2026-11-09', dateTo: '2026-11-10' },
    ]);
    // 15 days allow two whole weeks per run.
    const weeks = ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30'];
    expect(planRanges('week', weeks, 15)).toEqual([
      { dateFrom: '2026-11-02', dateTo: '2026-11-15' },
      { dateFrom: '2026-11-16', dateTo: '2026-11-29' },
      { dateFrom: '2026-11-30', dateTo: '2026-12-06' },
    ]);
  });
});
