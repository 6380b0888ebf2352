import { StringDecoder } from 'node:string_decoder';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parseInteger } from '../../common/input-rules.js';
import { parseJson } from '../../common/json-text.js';
import { EVENT_FIELDS } from '../event-rules.js';

/** One record of the input: its line number, its text, and its value or why it has none. */
export interface InputRecord {
  line: number;
  /** The text as read (for the reject file). */
  text: string;
  value?: unknown;
  error?: string;
  /** The CSV header row: not an event; a reject file starts with it. */
  header?: boolean;
}

export type InputFormat = 'ndjson' | 'csv';

/** Thrown for an input that cannot be read at all (e.g. a CSV header without required columns). */
export class InputError extends Error {}

/**
 * Splits a byte stream into numbered lines (LF or CRLF); blank lines are skipped, and so is a
 * UTF-8 byte order mark at the start (as editors and spreadsheet exports write).
 */
class LineSplitter extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private line = 0;
  private atStart = true;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    const lines = (this.rest + this.withoutMark(this.decoder.write(chunk))).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.pushLine(line);
    done();
  }

  override _flush(done: TransformCallback): void {
    const last = this.rest + this.withoutMark(this.decoder.end());
    if (last !== '') this.pushLine(last);
    done();
  }

  /** The decoded text, without the byte order mark if it is the first text of the stream. */
  private withoutMark(text: string): string {
    if (!this.atStart || text === '') return text;
    this.atStart = false;
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  }

  private pushLine(raw: string): void {
    this.line += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() !== '') this.push({ line: this.line, text });
  }
}

/** NDJSON: one JSON event per line. */
async function* ndjsonRecords(input: Readable): AsyncGenerator<InputRecord> {
  const lines = input.pipe(new LineSplitter());
  input.on('error', (error) => lines.destroy(error));
  for await (const { line, text } of lines as AsyncIterable<{ line: number; text: string }>) {
    try {
      yield { line, text, value: parseJson(text) };
    } catch {
      yield { line, text, error: 'the line is not valid JSON' };
    }
  }
}

const INTEGER_COLUMNS = new Set(['processing_ms', 'amount_cents']);
const REQUIRED_COLUMNS = EVENT_FIELDS.filter((field) => field !== 'payload');

/** A CSV cell as the event field it fills: integers as numbers, `payload` as parsed JSON. */
function cellValue(column: string, cell: string): { value?: unknown; error?: string } {
  const integer = INTEGER_COLUMNS.has(column) ? parseInteger(cell.trim()) : undefined;
  if (integer !== undefined) return { value: integer };
  if (column !== 'payload') return { value: cell };
  if (cell.trim() === '') return { value: undefined };
  try {
    return { value: parseJson(cell) };
  } catch {
    return { error: 'payload is not valid JSON' };
  }
}

function checkHeader(columns: string[]): void {
  const unknown = columns.filter((c) => !(EVENT_FIELDS as readonly string[]).includes(c));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (unknown.length > 0 || missing.length > 0 || new Set(columns).size !== columns.length) {
    throw new InputError(
      `the CSV header must name the event fields once each (${EVENT_FIELDS.join(', ')}; payload ` +
        `is optional)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` +
        `${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
    );
  }
}

/** CSV with a header row naming the fields; `payload` is a JSON column. */
async function* csvRecords(input: Readable): AsyncGenerator<InputRecord> {
  let header: string[] | undefined;
  const skipped: InputRecord[] = [];
  const parser = parseCsv({
    info: true,
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_column_count: true,
    bom: true,
  });
  parser.on('skip', (error: Error & { lines?: number; raw?: string }) => {
    skipped.push({
      line: error.lines ?? 0,
      text: error.raw ?? '',
      error: `not valid CSV: ${error.message}`,
    });
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  for await (const { record, info, raw } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>) {
    yield* skipped.splice(0);
    const text = raw.replace(/\r?\n$/, '');
    if (!header) {
      header = record.map((cell) => cell.trim());
      checkHeader(header);
      yield { line: info.lines, text, header: true };
      continue;
    }
    if (record.length !== header.length) {
      yield {
        line: info.lines,
        text,
        error: `the line has ${record.length} columns; the header has ${header.length}`,
      };
      continue;
    }
    const value: Record<string, unknown> = {};
    let error: string | undefined;
    header.forEach((column, i) => {
      const cell = cellValue(column, record[i]);
      error ??= cell.error;
      if (cell.value !== undefined) value[column] = cell.value;
    });
    yield error ? { line: info.lines, text, error } : { line: info.lines, text, value };
  }
  yield* skipped.splice(0);
  if (!header) throw new InputError('the CSV input has no header row');
}

/** The records of `input` in `format`. */
export function readRecords(input: Readable, format: InputFormat): AsyncGenerator<InputRecord> {
  return format === 'csv' ? csvRecords(input) : ndjsonRecords(input);
}
