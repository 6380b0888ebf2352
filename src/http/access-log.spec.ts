import { pino, type Logger } from 'pino';
import { createLogger } from '../logging/logger.js';
import { RequestRecords, type RequestRecord } from './access-log.js';
import { Secrets } from '../common/secrets.js';

const KEY = 'configured-management-key';

function records(): RequestRecords {
  const logger = { isLevelEnabled: () => true, info: () => undefined } as unknown as Logger;
  const subject = new RequestRecords(logger);
  subject.attach(undefined, new Secrets([KEY, '']));
  return subject;
}

describe(RequestRecords.name, () => {
  it('redacts configured keys anywhere in the URL, and secret-named parameters', () => {
    expect(records().loggedUrl(`/api/v1/x/${KEY}?a=1&api_key=abc&Token=t&window=day#k`)).toBe(
      '/api/v1/x/[redacted]?a=1&api_key=[redacted]&Token=[redacted]&window=day#k',
    );
    expect(records().loggedUrl('/api/v1/reports?window=day')).toBe('/api/v1/reports?window=day');
  });

  it('knows a secret-named parameter however its name is escaped', () => {
    expect(records().loggedUrl('/x?to%6Ben=s6&%74oken=e&pass%77ord=p&my+secret=q&a%ZZ=1')).toBe(
      '/x?to%6Ben=[redacted]&%74oken=[redacted]&pass%77ord=[redacted]&my+secret=[redacted]&a%ZZ=1',
    );
  });

  it('redacts user credentials of an absolute-form target', () => {
    expect(records().loggedUrl('http://admin:hunter2@x/api/v1/events?limit=1')).toBe(
      'http://[redacted]@x/api/v1/events?limit=1',
    );
    expect(records().loggedUrl('HTTP://admin@x:80/a?b=c@d')).toBe('HTTP://[redacted]@x:80/a?b=c@d');
    expect(records().loggedUrl('/a?b=user:pw@host')).toBe('/a?b=user:pw@host');
  });

  it('redacts a key percent-encoded, and a longer key before a shorter one inside it', () => {
    const logger = { isLevelEnabled: () => true, info: () => undefined } as unknown as Logger;
    const subject = new RequestRecords(logger);
    subject.attach(undefined, new Secrets(['a+b/c=', 'key', 'key-and-more']));
    expect(subject.loggedUrl(`/x/${encodeURIComponent('a+b/c=')}?q=key-and-more`)).toBe(
      '/x/[redacted]?q=[redacted]',
    );
  });

  it('redacts a key however its characters are escaped', () => {
    const escaped = [
      '/api/v1/reports?search=configured%2Dmanagement%2dkey',
      '/api/v1/reports?search=configured-management-ke%79',
      '/api/v1/%63onfigured-management-key/run',
    ];
    for (const url of escaped) expect(records().loggedUrl(url)).toContain('[redacted]');
    const logger = { isLevelEnabled: () => true, info: () => undefined } as unknown as Logger;
    const subject = new RequestRecords(logger);
    subject.attach(undefined, new Secrets(['a+b/c=', 's3cr%41t', 'zoë key']));
    for (const spelled of ['a%2bb%2fc%3d', 'a+b%2Fc%3D', 'a%2Bb/c=', 'a+b/c=']) {
      expect(subject.loggedUrl(`/x?q=${spelled}&w=1`)).toBe('/x?q=[redacted]&w=1');
    }
    // A key holding `%` as sent, or escaped; UTF-8 and a space (`+` in a query).
    expect(subject.loggedUrl('/x/s3cr%41t/s3cr%2541t')).toBe('/x/[redacted]/[redacted]');
    expect(subject.loggedUrl('/x?q=zo%C3%ABkey&r=zo%c3%ab+key')).toBe(
      '/x?q=zo%C3%ABkey&r=[redacted]',
    );
    // The URL is shown as sent otherwise.
    expect(records().loggedUrl('/x?q=%e2%82%ac%20')).toBe('/x?q=%e2%82%ac%20');
  });

  it('redacts before it cuts a long URL, so no part of a key is left', () => {
    const url = `/${'a'.repeat(980)}${KEY}`;
    const shown = records().loggedUrl(url);
    expect(shown).toBe(`/${'a'.repeat(980)}[redacted]`);
    expect(records().loggedUrl(`/${'b'.repeat(2000)}`)).toHaveLength(1001);
    expect(shown).not.toContain(KEY.slice(0, 8));
  });

  it('writes the line logger.info would write, for every kind of value', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'log', format: 'json' },
      { write: (line) => lines.push(line) },
    );
    const subject = new RequestRecords(logger);
    subject.attach(undefined, new Secrets([KEY]));
    const requests: RequestRecord[] = [
      {
        requestId: 'b1c2',
        method: 'GET',
        route: '/api/v1/reports/:slug/run',
        url: `/api/v1/reports/x/run?q="zoë"\\\u0001&key=${KEY}`,
        status: 200,
        ms: 0.123456,
        remoteAddress: '::1',
      },
      {
        requestId: 'r',
        method: null,
        route: null,
        url: null,
        status: 400,
        ms: 0,
        remoteAddress: null,
      },
      {
        requestId: 'id\u007f"',
        method: 'M\\',
        route: '/é/\ud800',
        url: '/\udfff\n\t',
        status: 503,
        ms: 12,
        remoteAddress: '203.0.113.9", "x":"y',
      },
    ];
    for (const request of requests) {
      subject.record(request);
      const { url, ms, ...rest } = request;
      logger.info(
        {
          request_id: rest.requestId,
          method: rest.method,
          route: rest.route,
          url: url === null ? null : subject.loggedUrl(url),
          status: rest.status,
          duration_ms: Math.round(ms * 1000) / 1000,
          remote_address: rest.remoteAddress,
        },
        'request',
      );
    }
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.endsWith('}\n')).toBe(true);
    const [written, byPino] = [lines.filter((_, i) => i % 2 === 0), lines.filter((_, i) => i % 2)];
    const withoutTime = (line: string) => ({ ...JSON.parse(line), time: 0 });
    expect(written.map(withoutTime)).toEqual(byPino.map(withoutTime));
    expect(written.map((line) => Object.keys(JSON.parse(line)))).toEqual(
      byPino.map((line) => Object.keys(JSON.parse(line))),
    );
    expect(JSON.parse(written[0]).url).toContain('[redacted]');
    expect(pino.levels.values.info).toBe(JSON.parse(written[0]).level);
  });
});
