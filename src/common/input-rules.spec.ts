import {
  integerProblem,
  isPrintable,
  parseTimestamp,
  slugProblem,
  textProblem,
  timestampProblem,
} from './input-rules.js';

describe('input rules', () => {
  it('tells printable text from controls and broken surrogates', () => {
    expect(isPrintable('evt-1 ünïcødé 🚀')).toBe(true);
    for (const bad of ['a\u0000b', 'tab\there', 'del\u007f', 'c1\u0085', '\ud800x', 'x\udc00']) {
      expect(isPrintable(bad)).toBe(false);
    }
  });

  it('names what is wrong with a text field', () => {
    const rule = { max: 4 };
    expect(textProblem('ref', 'abcd', rule)).toBeUndefined();
    expect(textProblem('ref', '🚀🚀🚀🚀', rule)).toBeUndefined(); // characters, not UTF-16 units
    expect(textProblem('ref', undefined, rule)).toBe('ref is required');
    expect(textProblem('ref', null, rule)).toBe('ref is required');
    expect(textProblem('ref', 12, rule)).toBe('ref must be a string');
    expect(textProblem('ref', '', rule)).toBe('ref must not be empty');
    expect(textProblem('ref', 'abcde', rule)).toBe('ref must be 1–4 characters long');
    expect(textProblem('ref', 'a\u0000', rule)).toBe('ref must contain only printable characters');
  });

  it('accepts only JSON integers within bounds', () => {
    expect(integerProblem('n', 0, 0, 10)).toBeUndefined();
    expect(integerProblem('n', 10, 0, 10)).toBeUndefined();
    expect(integerProblem('n', 11, 0, 10)).toBe('n must be between 0 and 10');
    expect(integerProblem('n', -1, 0, 10)).toBe('n must be between 0 and 10');
    for (const bad of [1.5, '5', NaN, Infinity, true, [], {}]) {
      expect(integerProblem('n', bad, 0, 10)).toBe('n must be an integer');
    }
    expect(integerProblem('n', undefined, 0, 10)).toBe('n is required');
  });

  it('checks slugs', () => {
    expect(slugProblem('slug', 'stripe-eu')).toBeUndefined();
    expect(slugProblem('slug', '9pay')).toBeUndefined();
    for (const bad of ['', '-x', 'Stripe', 'a_b', 'a'.repeat(65), 'ü']) {
      expect(slugProblem('slug', bad)).toMatch(/^slug must be 1–64 lower-case/);
    }
  });

  it('parses RFC 3339 timestamps with offsets, to the millisecond', () => {
    expect(parseTimestamp('2026-11-28T09:30:00Z')).toBe(Date.parse('2026-11-28T09:30:00Z'));
    expect(parseTimestamp('2026-11-28t09:30:00.5z')).toBe(Date.parse('2026-11-28T09:30:00.500Z'));
    expect(parseTimestamp('2026-11-28T10:30:00.123456+01:00')).toBe(
      Date.parse('2026-11-28T09:30:00.123Z'),
    );
    expect(parseTimestamp('2026-11-28T00:30:00-05:30')).toBe(Date.parse('2026-11-28T06:00:00Z'));
    for (const bad of [
      '2026-11-28T09:30:00', // no offset
      '2026-11-28 09:30:00Z',
      '2026-11-28',
      '2026-02-30T00:00:00Z',
      '2026-11-28T24:00:00Z',
      '2026-11-28T23:60:00Z',
      '2026-12-31T23:59:60Z',
      '2026-11-28T09:30:00+24:00',
      '2026-11-28T09:30:00.1234567Z',
      '+2026-11-28T09:30:00Z',
    ]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });

  it('bounds timestamps', () => {
    const rule = {
      min: Date.parse('2000-01-01T00:00:00Z'),
      max: Date.parse('2026-11-28T12:00:00Z'),
      minText: '2000-01-01',
      maxText: '5 minutes from now',
    };
    expect(timestampProblem('at', '2000-01-01T00:00:00Z', rule)).toBeUndefined();
    expect(timestampProblem('at', '1999-12-31T23:59:59Z', rule)).toBe(
      'at must not be before 2000-01-01',
    );
    expect(timestampProblem('at', '2026-11-28T12:00:01Z', rule)).toBe(
      'at must not be later than 5 minutes from now',
    );
    expect(timestampProblem('at', '2026-11-28T09:30:00', rule)).toMatch(/with an offset/);
    expect(timestampProblem('at', 1764322200000, rule)).toBe('at must be a string');
  });
});
