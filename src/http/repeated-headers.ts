/**
 * Headers that identify or authenticate the caller, and `Host`. Node joins a repeated header
 * into one value ("alice, mallory") or keeps only the first (`Authorization`, `Host`), so a
 * request that sends one of these twice is ambiguous: it is refused before anything reads it
 * (for `Host`, HTTP/1.1 requires that 400).
 */
export const SINGLE_VALUE_HEADERS = [
  'host',
  'x-actor',
  'x-request-id',
  'x-management-key',
  'x-ingest-key',
  'authorization',
] as const;

const NAMES = new Set<string>(SINGLE_VALUE_HEADERS);
const LENGTHS = new Set(SINGLE_VALUE_HEADERS.map((name) => name.length));

/**
 * The first of SINGLE_VALUE_HEADERS that `rawHeaders` (Node's `[name, value, name, value, …]`)
 * holds more than once, or undefined. Runs on every request: names of other lengths are
 * skipped without being lower-cased.
 */
export function repeatedHeader(rawHeaders: readonly string[]): string | undefined {
  let seen: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i];
    if (!LENGTHS.has(raw.length)) continue;
    const name = raw.toLowerCase();
    if (!NAMES.has(name)) continue;
    if (seen?.includes(name)) return name;
    (seen ??= []).push(name);
  }
  return undefined;
}
