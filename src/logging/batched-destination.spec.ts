import { jest } from '@jest/globals';
import { BATCH_BYTES, BATCH_DELAY_MS, BatchedDestination } from './batched-destination.js';

/** A destination whose writes are kept as text; `chunks` are the buffers as handed over. */
function capture() {
  const chunks: Buffer[] = [];
  const destination = new BatchedDestination({ write: (chunk: Buffer) => chunks.push(chunk) });
  const texts = () => chunks.map((chunk) => chunk.toString('utf8'));
  return { destination, chunks, texts };
}

describe(BatchedDestination.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the lines logged within the delay with one write, in order, once the delay is over', () => {
    const { destination, texts } = capture();
    destination.write('a\n');
    jest.advanceTimersByTime(BATCH_DELAY_MS - 1);
    destination.write('b\n');
    destination.write('c\n');
    expect(texts()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(texts()).toEqual(['a\nb\nc\n']);
    destination.write('d\n');
    jest.advanceTimersByTime(BATCH_DELAY_MS);
    expect(texts()).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once when the next line would not fit, without waiting for the delay', () => {
    const { destination, texts } = capture();
    const line = `${'x'.repeat(99)}\n`;
    // A line is taken only while room for 3 bytes per character is left: after these lines,
    // the next one no longer fits.
    const fitting = Math.floor((BATCH_BYTES - 3 * line.length) / line.length) + 1;
    for (let i = 0; i < fitting; i += 1) destination.write(line);
    expect(texts()).toEqual([]);
    destination.write(line);
    expect(texts()).toEqual([line.repeat(fitting)]);
    jest.advanceTimersByTime(BATCH_DELAY_MS);
    expect(texts()).toEqual([line.repeat(fitting), line]);
  });

  it('writes a line longer than a batch on its own, after the lines before it', () => {
    const { destination, texts } = capture();
    const long = `${'é'.repeat(BATCH_BYTES)}\n`;
    destination.write('before\n');
    destination.write(long);
    destination.write('after\n');
    jest.advanceTimersByTime(BATCH_DELAY_MS);
    expect(texts()).toEqual(['before\n', long, 'after\n']);
  });

  it('keeps every character, multi-byte ones included', () => {
    const { destination, texts } = capture();
    const lines = ['{"msg":"é ü ß"}\n', '{"msg":"日本語 🚀"}\n', '{"msg":"\\u0000"}\n'];
    for (const line of lines) destination.write(line);
    destination.flush();
    expect(texts()).toEqual([lines.join('')]);
  });

  it('never writes over a chunk it handed out (the target may still hold it)', () => {
    const { destination, chunks } = capture();
    destination.write('first\n');
    destination.flush();
    destination.write('second\n');
    destination.flush();
    expect(chunks.map((chunk) => chunk.toString())).toEqual(['first\n', 'second\n']);
  });

  it("calls pino's flush callback once the lines are written", () => {
    const { destination, texts } = capture();
    destination.write('a\n');
    const seen: string[][] = [];
    destination.flush(() => seen.push(texts()));
    expect(seen).toEqual([['a\n']]);
  });

  it('writes what is waiting on flush (as at exit), and nothing twice', () => {
    const { destination, texts } = capture();
    destination.write('last\n');
    destination.flush();
    expect(texts()).toEqual(['last\n']);
    jest.advanceTimersByTime(BATCH_DELAY_MS);
    destination.flush();
    expect(texts()).toEqual(['last\n']);
  });
});
