import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** COPY text format: backslash, tab, newline and carriage return are escaped. */
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** A text value as a field of COPY's text format. */
export function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]);
}

/**
 * Runs `copySql` (a `COPY … FROM STDIN` in text format) on `client` with one line per item of
 * `items`, sent in pieces of about 64 KB, waiting whenever the socket is busy.
 */
export async function copyRows<T>(
  client: pg.ClientBase,
  copySql: string,
  items: readonly T[],
  line: (item: T) => string,
): Promise<void> {
  const stream = client.query(copyFrom(copySql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let piece = '';
  for (let i = 0; i <= items.length; i += 1) {
    if (i < items.length) piece += line(items[i]);
    if (piece.length < 65_536 && i < items.length) continue;
    if (piece && !stream.write(piece)) {
      await Promise.race([new Promise((resolve) => stream.once('drain', resolve)), done]);
    }
    piece = '';
  }
  stream.end();
  await done;
}
