import { numberReviver, parseJson, scanJson, SOURCE_TEXT } from './json-text.js';

const mayRound = (text: string) => scanJson(text, Infinity).mayRound;

describe('parseJson', () => {
  it('reads integers beyond 2^53 − 1 as NaN, and every other number as JSON.parse does', () => {
    expect(
      parseJson('[9007199254740991,-9007199254740991,0.1,1e400,-0,"12345678901234567890"]'),
    ).toEqual([9007199254740991, -9007199254740991, 0.1, Infinity, -0, '12345678901234567890']);
    expect(
      parseJson('{"a":{"b":[12345678901234567890,-9007199254740993,10000000000000001]}}'),
    ).toEqual({ a: { b: [NaN, NaN, NaN] } });
  });

  it('keeps numbers whose digits a double holds as written, however large', () => {
    expect(parseJson('[6.02214076e23,1e300,-2.5E20,123.0,0.30000000000000004]')).toEqual([
      6.02214076e23, 1e300, -2.5e20, 123, 0.30000000000000004,
    ]);
  });

  // With the source text (Node 22, 24) a number written with the digits of its double is kept
  // in a text that also holds a rounded one; without it (Node 20) every large integer-valued
  // number of such a text is refused.
  it(`${SOURCE_TEXT ? 'keeps' : 'refuses'} 1e300 beside a rounded integer`, () => {
    expect(parseJson('[1e300,12345678901234567890,"x"]')).toEqual([
      SOURCE_TEXT ? 1e300 : NaN,
      NaN,
      'x',
    ]);
    // 2^53 exactly: a double holds it as written.
    expect(parseJson('[9007199254740992]')).toEqual([SOURCE_TEXT ? 9007199254740992 : NaN]);
  });

  it('refuses a rounded integer however it is written (a fraction of zeros, an exponent)', () => {
    const written = ['12345678901234567890.0', '9007199254740993e0', '1.23456789012345678e19'];
    for (const text of written) {
      expect(mayRound(text)).toBe(true);
      expect(parseJson(`[${text}]`)).toEqual([NaN]);
    }
    // The same digits as the double's: kept (on Node 20 too, which has no rounded integer to
    // tell them from).
    expect(parseJson('[12345678901234567000,1.2345678901234567e19]')).toEqual(
      SOURCE_TEXT ? [12345678901234567000, 12345678901234567000] : [NaN, NaN],
    );
  });
});

describe('scanJson', () => {
  it('finds numbers a double may round: 16 digits in an integer part, or with an exponent', () => {
    for (const text of [
      '[9007199254740992]',
      '[-1234567890123456]',
      '{"a":1.234567890123456e30}',
    ]) {
      expect(mayRound(text)).toBe(true);
    }
  });

  it('leaves alone short numbers, long fractions and digits in strings and keys', () => {
    const texts = [
      '[900719925474099, 1e300, 6.02214076e23, 0.30000000000000004, 52.52000659999999]',
      '{"id":"12345678901234567890","12345678901234567890":1}',
      '["\\"", 1, "1234567890123456"]',
    ];
    for (const text of texts) expect(mayRound(text)).toBe(false);
    expect(numberReviver(scanJson(texts[0], Infinity))).toBeUndefined();
  });

  it('tells how deep objects and arrays nest, brackets in strings aside', () => {
    expect(scanJson('[[]]', 2).tooDeep).toBe(false);
    expect(scanJson('[[[]]]', 2).tooDeep).toBe(true);
    expect(scanJson('["[[[[", "\\"[[[["]', 1).tooDeep).toBe(false);
  });
});
