/**
 * The input rules: each kind of value taken from a request, a file or the command line (a text
 * field, an integer, a slug, a field name; days and timestamps in time-rules.ts) is checked by
 * one function here, with the same bounds and the same messages wherever it is read: the report
 * query readers, the DTOs of the management routes (through `Rule` in validation.ts), event
 * ingestion and the command-line tools. Each `…Problem` function returns why the value is
 * unusable for the named field, or undefined when it is fine.
 */

/** A field name and what is wrong with its value, as `error.details` lists them. */
export interface Problem {
  parameter: string;
  message: string;
}

/** Names longer than this are cut short in messages, so a huge key is not echoed back whole. */
const MAX_SHOWN_NAME = 64;

/** `name` as messages show it: at most `max` (MAX_SHOWN_NAME) characters, then `…`. */
export function shownName(name: string, max = MAX_SHOWN_NAME): string {
  return name.length > max ? `${name.slice(0, max)}…` : name;
}

/** A parameter's or field's name as messages show it; an empty one (`?=x`) as `""`. */
export function shownParameter(name: string): string {
  return name === '' ? '""' : shownName(name);
}

/** A key that a path spells as `.name`; any other is spelled `["a b"]`. */
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/**
 * The path of a place in a JSON body, one key further: `events[0]` + `payload` →
 * `events[0].payload`, + 2 → `…[2]`, + `a b` → `…["a b"]`; from the top ('') a plain key is
 * the path itself. Messages and `details` name places inside a body this way.
 */
export function jsonPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = shownName(key);
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(name)}]`;
  return path === '' ? name : `${path}.${name}`;
}

/**
 * Every name of `given` (a JSON object's own keys, a query string's parameters) that is not in
 * `allowed`, as problems; `prefix` names the object they are in (`events[3].`). Whatever a name
 * is called (`constructor`, `__proto__`, `toString`…) it is only compared with the allowed
 * names, never looked up on an object.
 */
export function unknownNameProblems(
  given: Iterable<string>,
  allowed: readonly string[],
  kind: 'field' | 'query parameter',
  prefix = '',
): Problem[] {
  const problems: Problem[] = [];
  let list: string | undefined; // written out only when a name is unknown (ingestion hot path)
  for (const name of given) {
    if (allowed.includes(name)) continue;
    list ??= allowed.length > 0 ? allowed.join(', ') : 'none';
    const shown = `${prefix}${shownParameter(name)}`;
    problems.push({
      parameter: shown,
      message: `${shown} is not a known ${kind} (allowed: ${list})`,
    });
  }
  return problems;
}

/** A query parameter given more than once (it then arrives as an array). */
export function repeatedProblem(field: string, value: unknown): string | undefined {
  return Array.isArray(value) ? `${field} must be given only once` : undefined;
}

/**
 * Characters no identifier or name may hold: C0 and C1 controls (NUL cannot be stored in
 * PostgreSQL text at all), DEL, and UTF-16 halves without their other half (they cannot be
 * encoded as UTF-8, so they would be stored as a replacement character, not as sent).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Characters no new identifier or name may hold either: the bidirectional embedding, override
 * and isolate controls (U+202A–U+202E, U+2066–U+2069: they make text display as something it is
 * not, in an audit trail too) and U+FEFF. Text stored before they were refused holds them, so a
 * filter looking it up (a `lookup` rule) takes them.
 */
const DISPLAY_CONTROLS = /[\u202a-\u202e\u2066-\u2069\ufeff]/;

/** NUL and unpaired UTF-16 surrogates: what no PostgreSQL text or jsonb value can hold. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether PostgreSQL can store `value` as sent (in text or inside jsonb). */
export function isStorable(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Whether `value` has only printable characters (see UNPRINTABLE and DISPLAY_CONTROLS). */
export function isPrintable(value: string): boolean {
  return !UNPRINTABLE.test(value) && !DISPLAY_CONTROLS.test(value);
}

export interface TextRule {
  /** Least length, in characters (default 1: empty text is refused). */
  min?: number;
  max: number;
  /**
   * A filter that looks stored text up: white space only and DISPLAY_CONTROLS are taken, as
   * text stored before they were refused may hold them.
   */
  lookup?: boolean;
}

/** A required string of printable characters whose length lies within the rule. */
export function textProblem(field: string, value: unknown, rule: TextRule): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string') return `${field} must be a string`;
  const min = rule.min ?? 1;
  const length = [...value].length;
  if (length < min || length > rule.max) {
    if (min === 0) return `${field} must be at most ${rule.max} characters long`;
    return min === 1 && length === 0
      ? `${field} must not be empty`
      : `${field} must be ${min}–${rule.max} characters long`;
  }
  const printable = rule.lookup ? !UNPRINTABLE.test(value) : isPrintable(value);
  if (!printable) return `${field} must contain only printable characters`;
  if (min > 0 && !rule.lookup && value.trim() === '') return `${field} must not be blank`;
  return undefined;
}

/** A required JSON integer (not a string, not a fraction) in [min, max]. */
export function integerProblem(
  field: string,
  value: unknown,
  min: number,
  max: number,
): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  const range = `${field} must be between ${min} and ${max}`;
  if (typeof value !== 'number') return `${field} must be an integer`;
  // NaN: an integer in JSON too large for a double to hold exactly (see json-text.ts).
  if (Number.isNaN(value)) return range;
  if (!Number.isInteger(value)) return `${field} must be an integer`;
  if (value < min || value > max) return range;
  return undefined;
}

const INTEGER_TEXT = /^-?\d+$/;

/**
 * The one parser of integers written as text (a query parameter, a CSV cell, a command-line
 * flag, an environment variable): an optional minus sign and decimal digits, nothing else (no
 * spaces, `+`, fractions or exponents). Undefined when the text is not one; check the result
 * with `integerProblem` (a number too long for a double is not an integer there).
 */
export function parseInteger(text: string): number | undefined {
  return INTEGER_TEXT.test(text) ? Number(text) : undefined;
}

/** `integerProblem` for an integer given as text: the same bounds and messages. */
export function integerTextProblem(
  field: string,
  text: unknown,
  min: number,
  max: number,
): string | undefined {
  const value = typeof text === 'string' ? (parseInteger(text) ?? text) : text;
  return integerProblem(field, value, min, max);
}

/** A required JSON boolean. */
export function booleanProblem(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  return typeof value === 'boolean' ? undefined : `${field} must be true or false`;
}

/** One of a fixed set of strings. */
export function oneOfProblem(
  field: string,
  value: unknown,
  values: readonly string[],
): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string' || !values.includes(value)) {
    return `${field} must be one of ${values.join(', ')}`;
  }
  return undefined;
}

/** Slugs of event sources (and other catalog rows): lower-case letters, digits and dashes. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function slugProblem(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return `${field} is required`;
  if (typeof value !== 'string') return `${field} must be a string`;
  if (!SLUG_PATTERN.test(value)) {
    return `${field} must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit`;
  }
  return undefined;
}
