/**
 * Reading JSON text, one set of rules for the API's bodies and the importer's lines.
 *
 * Depth: a document nested thousands of levels deep would run code that recurses over it out of
 * stack; `scanJson` tells before anything parses it.
 *
 * Numbers: `JSON.parse` rounds an integer beyond ±(2^53 − 1) to the nearest double:
 * `12345678901234567890` becomes `12345678901234567000`, and would be stored that way. A number
 * whose digits a double holds as written (`6.02214076e23`, `1e300`) is kept. From the parsed
 * value alone the two cannot be told apart, so `parseJson` reads an integer-valued number beyond
 * 2^53 − 1 as NaN (which JSON cannot express otherwise) unless its text has the digits of the
 * double it became: the integer rules then call it out of range, and the payload rules refuse it
 * as not storable exactly.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

/** Significant digits a double does not always keep (it keeps any 15). */
const ROUNDED_DIGITS = 16;

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
  return backslashes % 2 === 1;
}

const isDigit = (char: number) => char >= ZERO && char <= NINE;

export interface JsonScan {
  /** Objects and arrays nest deeper than the maximum. */
  tooDeep: boolean;
  /**
   * A number may be an integer a double rounds: ROUNDED_DIGITS digits or more, in an integer
   * part or with an exponent (a long fraction such as 0.30000000000000004 is not one).
   */
  mayRound: boolean;
}

/**
 * Reads `text` once, without recursion, jumping over strings (where brackets and digits do not
 * count) with `indexOf`: how deep objects and arrays nest (it stops past `maxDepth`), and
 * whether a number may be one a double rounds.
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  let depth = 0;
  let mayRound = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) break; // an unterminated string: not JSON anyway
      i = end;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return { tooDeep: true, mayRound };
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    } else if (isDigit(char)) {
      let end = i;
      while (isDigit(text.charCodeAt(end))) end += 1;
      const integerDigits = end - i;
      if (text.charCodeAt(end) === 0x2e) {
        end += 1;
        while (isDigit(text.charCodeAt(end))) end += 1;
      }
      const digits = end - i - (end - i > integerDigits ? 1 : 0);
      const exponent = (text.charCodeAt(end) | 0x20) === 0x65;
      if (integerDigits >= ROUNDED_DIGITS || (exponent && digits >= ROUNDED_DIGITS)) {
        mayRound = true;
      }
      i = end - 1; // an exponent's digits are read as a number of their own: too short to count
    }
  }
  return { tooDeep: false, mayRound };
}

/** Where the parsed value came from (V8 ≥ 11.4; Node 22 and 24, not Node 20). */
interface ReviverContext {
  source?: string;
}

/** Whether JSON.parse gives a reviver the source text; without it every such number is suspect. */
export const SOURCE_TEXT = (() => {
  let seen = false;
  JSON.parse('1', (_key, value: unknown, context?: ReviverContext) => {
    seen = typeof context?.source === 'string';
    return value;
  });
  return seen;
})();

/** A number's significant digits: those of its mantissa, without leading and trailing zeros. */
function significantDigits(text: string): string {
  const mantissa = text.split(/[eE]/)[0].replace(/[-+.]/g, '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '');
}

function markRoundedIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number' || !Number.isInteger(value) || Number.isSafeInteger(value)) {
    return value;
  }
  const source = SOURCE_TEXT ? context?.source : undefined;
  const exact = source !== undefined && significantDigits(source) === significantDigits(`${value}`);
  return exact ? value : Number.NaN;
}

/** The reviver that reads the numbers of a text whose scan found one that `mayRound`. */
export function numberReviver(scan: JsonScan): typeof markRoundedIntegers | undefined {
  return scan.mayRound ? markRoundedIntegers : undefined;
}

/**
 * `JSON.parse(text)`, with an integer beyond ±(2^53 − 1) that a double rounded read as NaN
 * (see above). Depth is not bounded here: JSON.parse itself does not recurse.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, numberReviver(scanJson(text, Infinity)));
}
