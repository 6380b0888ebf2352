import { retentionProblem } from './retention.js';

/** 2026-10-01 is a Thursday; 2026-10-05 the next Monday. */
const rule = (window: string, eventsFrom?: string) => ({
  today: '2026-11-30',
  reportSlug: 'volume-by-period',
  window,
  retentionDays: 400,
  eventsFrom,
});

describe(retentionProblem.name, () => {
  it('refuses a week rebuild whose first week starts before the first raw day kept', () => {
    for (const dateFrom of ['2026-09-28', '2026-09-30', '2026-10-01', '2026-10-04']) {
      expect(retentionProblem(dateFrom, rule('week', '2026-10-01'))).toEqual({
        parameter: 'date_from',
        message:
          'date_from must not be before 2026-10-05: a week run rebuilds whole weeks from Monday, ' +
          'and raw events before 2026-10-01 were deleted (EVENT_RETENTION_DAYS), so the week of ' +
          `${dateFrom} cannot be recounted whole`,
      });
    }
    expect(retentionProblem('2026-10-05', rule('week', '2026-10-01'))).toBeUndefined();
  });

  it('takes a week rebuild from the first raw day when that day is a Monday', () => {
    expect(retentionProblem('2026-10-05', rule('week', '2026-10-05'))).toBeUndefined();
    expect(retentionProblem('2026-10-07', rule('week', '2026-10-05'))).toBeUndefined();
  });

  it('takes a day rebuild from the first raw day, and refuses the day before', () => {
    expect(retentionProblem('2026-10-01', rule('day', '2026-10-01'))).toBeUndefined();
    expect(retentionProblem('2026-09-30', rule('day', '2026-10-01'))?.message).toMatch(
      /^date_from must not be before 2026-10-01: raw events before it were deleted/,
    );
  });

  it('reads snapshots of any kept day, the week of the first raw day included (no eventsFrom)', () => {
    expect(retentionProblem('2026-10-01', rule('week'))).toBeUndefined();
  });
});
