import { addDays, bucketRange, bucketStartOf, daysBetween } from './bucket-range.js';

describe('bucket-range', () => {
  it('counts inclusive days and adds days across months and years', () => {
    expect(daysBetween('2026-01-01', '2026-01-01')).toBe(1);
    expect(daysBetween('2025-12-31', '2026-03-01')).toBe(61);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });

  it('puts a day in the ISO week starting on Monday', () => {
    expect(bucketStartOf('week', '2026-11-25')).toBe('2026-11-23'); // Wednesday
    expect(bucketStartOf('week', '2026-11-23')).toBe('2026-11-23'); // Monday
    expect(bucketStartOf('week', '2026-11-29')).toBe('2026-11-23'); // Sunday
    expect(bucketStartOf('week', '2027-01-01')).toBe('2026-12-28'); // across the year
    expect(bucketStartOf('day', '2026-11-25')).toBe('2026-11-25');
  });

  it('covers whole buckets', () => {
    expect(bucketRange('day', '2026-11-01', '2026-11-03')).toEqual({
      start: '2026-11-01T00:00:00Z',
      end: '2026-11-04T00:00:00Z',
      bucketCount: 3,
    });
    // Wednesday to the next Wednesday: two whole weeks, Monday to Monday.
    expect(bucketRange('week', '2026-11-25', '2026-12-02')).toEqual({
      start: '2026-11-23T00:00:00Z',
      end: '2026-12-07T00:00:00Z',
      bucketCount: 2,
    });
    expect(bucketRange('week', '2026-11-29', '2026-11-29').bucketCount).toBe(1);
  });
});
