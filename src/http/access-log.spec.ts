import type { Logger } from 'pino';
import { RequestRecords } from './access-log.js';

const KEY = 'configured-management-key';

function records(): RequestRecords {
  const logger = { isLevelEnabled: () => true, info: () => undefined } as unknown as Logger;
  const subject = new RequestRecords(logger);
  subject.attach(undefined, [KEY, '']);
  return subject;
}

describe(RequestRecords.name, () => {
  it('redacts configured keys anywhere in the URL, and secret-named parameters', () => {
    expect(records().loggedUrl(`/api/v1/x/${KEY}?a=1&api_key=abc&Token=t&window=day#k`)).toBe(
      '/api/v1/x/[redacted]?a=1&api_key=[redacted]&Token=[redacted]&window=day#k',
    );
    expect(records().loggedUrl('/api/v1/reports?window=day')).toBe('/api/v1/reports?window=day');
  });

  it('redacts a key percent-encoded, and a longer key before a shorter one inside it', () => {
    const logger = { isLevelEnabled: () => true, info: () => undefined } as unknown as Logger;
    const subject = new RequestRecords(logger);
    subject.attach(undefined, ['a+b/c=', 'key', 'key-and-more']);
    expect(subject.loggedUrl(`/x/${encodeURIComponent('a+b/c=')}?q=key-and-more`)).toBe(
      '/x/[redacted]?q=[redacted]',
    );
  });

  it('redacts before it cuts a long URL, so no part of a key is left', () => {
    const url = `/${'a'.repeat(980)}${KEY}`;
    const shown = records().loggedUrl(url);
    expect(shown).toBe(`/${'a'.repeat(980)}[redacted]`);
    expect(records().loggedUrl(`/${'b'.repeat(2000)}`)).toHaveLength(1001);
    expect(shown).not.toContain(KEY.slice(0, 8));
  });
});
