/**
 * How JSON numbers are read, one rule for the API's bodies and the importer's lines.
 *
 * `JSON.parse` rounds an integer beyond ±(2^53 − 1) to the nearest double:
 * `12345678901234567890` becomes `12345678901234567000`, and would be stored that way. A number
 * written with a fraction or an exponent (`6.02214076e23`, `1e300`) is a double as sent, and is
 * kept. From the parsed value alone the two cannot be told apart, so `parseJson` reads such an
 * integer as NaN (which JSON cannot express otherwise): the integer rules then call it out of
 * range, and the payload rules refuse it as not storable exactly.
 */

/** Digits an integer literal beyond 2^53 − 1 (9007199254740991) has at least. */
const LONG_DIGIT_RUN = /\d{16}/;

/** Where the parsed value came from (V8 ≥ 11.4; Node 22 and 24, not Node 20). */
interface ReviverContext {
  source?: string;
}

/** Node 20's JSON.parse gives a reviver no source text: there every such number is suspect. */
const SOURCE_TEXT = (() => {
  let seen = false;
  JSON.parse('1', (_key, value: unknown, context?: ReviverContext) => {
    seen = typeof context?.source === 'string';
    return value;
  });
  return seen;
})();

/** A double written with a fraction or an exponent. */
const NOT_AN_INTEGER_LITERAL = /[.eE]/;

function markRoundedIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number' || !Number.isInteger(value) || Number.isSafeInteger(value)) {
    return value;
  }
  const source = SOURCE_TEXT ? context?.source : undefined;
  return source !== undefined && NOT_AN_INTEGER_LITERAL.test(source) ? value : Number.NaN;
}

/**
 * The reviver `parseJson` uses for `text`, or undefined when the text holds no run of 16 digits,
 * and so no integer a double rounds (the common case, parsed at full speed).
 */
export function jsonNumberReviver(text: string): typeof markRoundedIntegers | undefined {
  return LONG_DIGIT_RUN.test(text) ? markRoundedIntegers : undefined;
}

/** `JSON.parse(text)`, with every integer beyond ±(2^53 − 1) read as NaN (see above). */
export function parseJson(text: string): unknown {
  return JSON.parse(text, jsonNumberReviver(text));
}
