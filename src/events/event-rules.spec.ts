import { parseJson } from '../common/json-text.js';
import { checkEvent } from './event-rules.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

const event = (fields: Record<string, unknown> = {}) => ({
  external_ref: 'ref-1',
  source: 'stripe',
  entity_id: 'merchant-1',
  status: 'success',
  processing_ms: 240,
  amount_cents: 1999,
  occurred_at: '2026-11-28T09:30:00Z',
  ...fields,
});

const check = (raw: unknown, prefix = 'events[0]') =>
  checkEvent(raw, prefix, NOW, (slug) => slug === 'stripe');

/** The problems of an event whose payload is `json`, parsed as the body parser parses it. */
const payloadProblems = (json: string, prefix = 'events[0]') => {
  const result = check(event({ payload: parseJson(json) }), prefix);
  return 'problems' in result ? result.problems : [];
};

describe('event rules', () => {
  it('stores a payload exactly as sent, numbers JSON carries exactly included', () => {
    const json = '{"n":9007199254740991,"m":-9007199254740991,"f":0.1,"e":1.5e-300,"s":"1e400"}';
    const result = check(event({ payload: JSON.parse(json) }));
    expect(result).toEqual({ event: expect.objectContaining({ payload: json }) });
  });

  it('keeps large doubles written with a fraction or an exponent (the same value, as JSON writes it)', () => {
    const json = '{"a":6.02214076e23,"b":1.5e300,"c":1.5e308,"d":-2.5E20,"e":123.0}';
    const result = check(event({ payload: parseJson(json) }));
    expect(result).toEqual({
      event: expect.objectContaining({
        payload:
          '{"a":6.02214076e+23,"b":1.5e+300,"c":1.5e+308,"d":-250000000000000000000,"e":123}',
      }),
    });
  });

  it.each([
    ['{"m":1e400}', 'events[0].payload.m', /is too large for a JSON number.*send it as a string/],
    ['{"m":-1e400}', 'events[0].payload.m', /is too large/],
    [
      '{"n":12345678901234567890}',
      'events[0].payload.n',
      /more significant digits than a double holds.*send it as a string/,
    ],
    ['{"n":9007199254740993}', 'events[0].payload.n', /would not be stored as sent/],
    [
      '{"n":-9007199254740993}',
      'events[0].payload.n',
      /more significant digits than a double holds.*send it as a string/,
    ],
    // 16 digits or more, however written as an integer.
    [
      '{"n":10000000000000001}',
      'events[0].payload.n',
      /more significant digits than a double holds.*send it as a string/,
    ],
    ['{"n":[0,123456789012345678901234567890]}', 'events[0].payload.n[1]', /as a string/],
    ['{"a":{"b":[1,2,{"c":1e400}]}}', 'events[0].payload.a.b[2].c', /is too large/],
    ['{"a b":[1e400]}', 'events[0].payload["a b"][0]', /is too large/],
    // The first in document order is named.
    ['{"n":12345678901234567890,"m":1e400}', 'events[0].payload.n', /more significant digits/],
  ])('refuses %s, naming %s', (json, parameter, message) => {
    expect(payloadProblems(json)).toEqual([{ parameter, message: expect.stringMatching(message) }]);
    expect(payloadProblems(json)[0].message.startsWith(`${parameter} `)).toBe(true);
  });

  it('counts numbers as PostgreSQL stores them, written out in full, against the size limit', () => {
    const message =
      'events[0].payload must be at most 16384 bytes as JSON with its numbers written out in full, as PostgreSQL stores them';
    // 53 × 1e300: 681 bytes as sent, 16,315 as stored (301 characters each, with the keys).
    const within = Object.fromEntries(Array.from({ length: 53 }, (_, i) => [`n${i}`, 1e300]));
    expect(check(event({ payload: within }))).toEqual({ event: expect.any(Object) });
    const over = { ...within, n53: 1e300 };
    expect(check(event({ payload: over }))).toEqual({
      problems: [{ parameter: 'events[0].payload', message }],
    });
    const tiny = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`n${i}`, 5e-324]));
    expect(check(event({ payload: tiny }))).toEqual({
      problems: [{ parameter: 'events[0].payload', message }],
    });
  });

  it('names the path without a prefix for the importer', () => {
    expect(payloadProblems('{"x":[1e400]}', '')).toEqual([
      {
        parameter: 'payload.x[0]',
        message: expect.stringMatching(/^payload\.x\[0\] is too large/),
      },
    ]);
  });

  it('still names the payload for NUL characters, in keys and values', () => {
    const message = 'events[0].payload must not contain NUL characters or unpaired surrogates';
    expect(payloadProblems('{"a":"x\\u0000"}')).toEqual([
      { parameter: 'events[0].payload', message },
    ]);
    expect(payloadProblems('{"a\\u0000":1}')).toEqual([
      { parameter: 'events[0].payload', message },
    ]);
  });

  it('refuses offsets PostgreSQL does not take, naming the range', () => {
    const result = check(event({ occurred_at: '2026-11-28T10:00:00+16:00' }));
    expect(result).toEqual({
      problems: [
        {
          parameter: 'events[0].occurred_at',
          message: 'events[0].occurred_at must have a UTC offset between -15:59 and +15:59',
        },
      ],
    });
  });
});
