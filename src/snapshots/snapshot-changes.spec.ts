import { parseChangeNotice } from './snapshot-changes.js';

describe('parseChangeNotice', () => {
  it('reads the report and the sending instance, or a bare report slug', () => {
    expect(parseChangeNotice('status-counts 5d1f')).toEqual({
      reportSlug: 'status-counts',
      origin: '5d1f',
    });
    expect(parseChangeNotice('status-counts')).toEqual({
      reportSlug: 'status-counts',
      origin: undefined,
    });
    expect(parseChangeNotice('  top-entities  ')).toEqual({
      reportSlug: 'top-entities',
      origin: undefined,
    });
  });

  it('reads an empty payload as "everything may have changed"', () => {
    expect(parseChangeNotice('')).toEqual({ reportSlug: undefined, origin: undefined });
    expect(parseChangeNotice('   ')).toEqual({ reportSlug: undefined, origin: undefined });
  });
});
