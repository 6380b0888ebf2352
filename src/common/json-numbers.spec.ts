import { jsonNumberReviver, parseJson } from './json-numbers.js';

/** Whether this Node's JSON.parse gives a reviver the source text (22 and 24 do, 20 does not). */
const sourceText = Number(process.versions.v8.split('.')[0]) >= 12;

describe('parseJson', () => {
  it('reads integers beyond 2^53 − 1 as NaN, and every other number as JSON.parse does', () => {
    expect(
      parseJson('[9007199254740991,-9007199254740991,0.1,1e400,-0,"12345678901234567890"]'),
    ).toEqual([9007199254740991, -9007199254740991, 0.1, Infinity, -0, '12345678901234567890']);
    expect(
      parseJson('{"a":{"b":[12345678901234567890,-9007199254740992,10000000000000000]}}'),
    ).toEqual({ a: { b: [NaN, NaN, NaN] } });
  });

  it('keeps doubles written with a fraction or an exponent, however large', () => {
    expect(parseJson('[6.02214076e23,1e300,-2.5E20,123.0]')).toEqual([
      6.02214076e23, 1e300, -2.5e20, 123,
    ]);
  });

  it('parses text without a run of 16 digits at full speed (no reviver)', () => {
    expect(jsonNumberReviver('{"a":1e300,"b":"123456789012345"}')).toBeUndefined();
    expect(jsonNumberReviver('{"a":9007199254740992}')).toBeDefined();
  });

  // Without the source text, a large integer-valued double in a text that also holds a run of
  // 16 digits cannot be told from a rounded integer: Node 20 refuses both.
  it(`in a text with a run of 16 digits, ${sourceText ? 'still keeps' : 'also marks'} 1e300`, () => {
    expect(parseJson('[1e300,"1234567890123456"]')).toEqual([
      sourceText ? 1e300 : NaN,
      '1234567890123456',
    ]);
  });
});
