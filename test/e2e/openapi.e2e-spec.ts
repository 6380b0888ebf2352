import { readFile } from 'node:fs/promises';
import { Clock } from '../../src/common/clock.js';
import { OPENAPI_REFERENCE_DAY } from '../../src/common/swagger.js';
import { useTestApp } from '../support/context.js';

/** A clock stopped at noon (UTC) of `day`. */
function clockAt(day: string): Clock {
  return { now: () => new Date(`${day}T12:00:00Z`) };
}

describe('the checked-in openapi.json', () => {
  // The served document resolves its example dates relative to the clock's day at start-up;
  // with the clock at the reference day it must be exactly the checked-in file.
  const ctx = useTestApp('migrated', {
    overrides: [{ provide: Clock, useValue: clockAt(OPENAPI_REFERENCE_DAY) }],
  });

  it('is exactly what the code serves at /docs-json as of its reference day (run `npm run openapi` after API changes)', async () => {
    const served = (await ctx.http.get('/docs-json').expect(200)).body;
    const checkedIn = JSON.parse(await readFile('openapi.json', 'utf8'));
    expect(served).toEqual(checkedIn);
  });
});

describe('the example dates of the served document', () => {
  const ctx = useTestApp('migrated', {
    overrides: [{ provide: Clock, useValue: clockAt('2027-03-01') }],
  });

  it('are relative to the day the service started', async () => {
    const doc = (await ctx.http.get('/docs-json').expect(200)).body;
    expect(doc.info.description).toContain('Example dates are relative to 2027-03-01 (UTC)');
    const trigger = doc.paths['/api/v1/recomputations'].post;
    expect(trigger.requestBody.content['application/json'].examples.day.value).toEqual({
      report_slug: 'volume-by-period',
      window: 'day',
      date_from: '2027-02-23',
      date_to: '2027-03-01',
      requested_by: 'alice@ops',
    });
    const ingest = doc.paths['/api/v1/events'].post.requestBody.content['application/json'];
    expect(ingest.examples.one.value.events[0].occurred_at).toBe('2027-02-28T09:30:00Z');
    // Week buckets start on Mondays: 2027-03-01 is one, so four weeks back is 2027-02-01.
    const run = doc.paths['/api/v1/reports/{slug}/run'].get.responses['200'];
    const week = run.content['application/json'].examples['volume-by-period-source'].value;
    expect(week.data.date_from).toBe('2027-02-01');
    expect(week.data.rows[0].bucket_date).toBe('2027-02-01');
    // No token is left unresolved anywhere.
    expect(JSON.stringify(doc)).not.toMatch(/\{(today|monday)/);
  });
});
