import { ReportCache } from './report-cache.js';

describe(ReportCache.name, () => {
  let now: number;
  let cache: ReportCache<string>;

  beforeEach(() => {
    now = 1_000_000;
    cache = new ReportCache<string>(3, () => now);
    cache.setEnabled(true);
  });

  const put = (key: string, slug = 'status-counts', ttl = 60) =>
    cache.set(key, cache.stamp(slug), `value of ${key}`, ttl);

  it('serves a stored value until its time to live has passed', () => {
    expect(put('a', 'status-counts', 90)).toBe(true);
    expect(cache.get('a')).toBe('value of a');
    now += 89_999;
    expect(cache.get('a')).toBe('value of a');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stores nothing for a time to live of 0', () => {
    expect(put('a', 'status-counts', 0)).toBe(false);
    expect(cache.get('a')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond its bound', () => {
    put('a');
    put('b');
    put('c');
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    put('d');
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('never evicts an entry that is hit often, while new entries keep coming', () => {
    cache = new ReportCache<string>(10, () => now);
    cache.setEnabled(true);
    put('hot');
    for (let i = 0; i < 100; i += 1) {
      put(`cold-${i}`);
      expect(cache.get('hot')).toBe('value of hot');
    }
    expect(cache.size).toBe(10);
    // Beside the hot entry, the nine stored last.
    for (let i = 91; i < 100; i += 1) expect(cache.get(`cold-${i}`)).toBeDefined();
    expect(cache.get('cold-90')).toBeUndefined();
  });

  it('does not reorder an entry hit while in the recent half of the order', () => {
    cache = new ReportCache<string>(4, () => now);
    cache.setEnabled(true);
    put('a');
    put('b');
    put('c');
    put('d');
    expect(cache.get('c')).toBeDefined(); // one store since c: stays where it is
    expect(cache.get('a')).toBeDefined(); // three since a: moved to the recent end
    put('e'); // evicts b, the oldest
    put('f'); // evicts c: its hit did not move it (an exact LRU would evict d)
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
    for (const key of ['a', 'd', 'e', 'f']) expect(cache.get(key)).toBeDefined();
  });

  it('invalidates one report and leaves the others', () => {
    put('s', 'status-counts');
    put('v', 'volume-by-period');
    cache.invalidate('status-counts');
    expect(cache.get('s')).toBeUndefined();
    expect(cache.get('v')).toBe('value of v');
  });

  it('does not store a read that started before an invalidation of its report', () => {
    const stamp = cache.stamp('status-counts');
    const other = cache.stamp('top-entities');
    cache.invalidate('status-counts'); // a recompute completed while the read was in flight
    expect(cache.set('late', stamp, 'old numbers', 60)).toBe(false);
    expect(cache.get('late')).toBeUndefined();
    expect(cache.set('unrelated', other, 'fine', 60)).toBe(true);
  });

  it('does not store a read that started before everything was invalidated', () => {
    const stamp = cache.stamp('status-counts');
    cache.invalidateAll();
    expect(cache.set('late', stamp, 'old numbers', 60)).toBe(false);
  });

  it('serves and stores nothing while disabled, and starts empty when re-enabled', () => {
    put('a');
    const stamp = cache.stamp('status-counts');
    cache.setEnabled(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set('b', cache.stamp('status-counts'), 'x', 60)).toBe(false);
    cache.setEnabled(true);
    expect(cache.get('a')).toBeUndefined();
    // A read that began before the outage may have missed a notification: not stored.
    expect(cache.set('c', stamp, 'x', 60)).toBe(false);
    expect(put('d')).toBe(true);
  });

  it('starts disabled', () => {
    const fresh = new ReportCache<string>(3);
    expect(fresh.isEnabled).toBe(false);
    expect(fresh.set('a', fresh.stamp('x'), 'v', 60)).toBe(false);
  });
});
