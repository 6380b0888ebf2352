import { readFile } from 'node:fs/promises';
import { useTestApp } from '../support/context.js';

describe('the checked-in openapi.json', () => {
  const ctx = useTestApp('migrated');

  it('is exactly what the code serves at /docs-json (run `npm run openapi` after API changes)', async () => {
    const served = (await ctx.http.get('/docs-json').expect(200)).body;
    const checkedIn = JSON.parse(await readFile('openapi.json', 'utf8'));
    expect(served).toEqual(checkedIn);
  });
});
