import type { DestinationStream } from 'pino';

/** Destinations holding lines, written once more when the process exits. */
const waiting = new Set<BatchedDestination>();
let exitHooked = false;

/** Bytes of lines held before they are written (sonic-boom's largest single write). */
export const BATCH_BYTES = 16 * 1024;

/** The longest a line waits to be written. */
export const BATCH_DELAY_MS = 100;

/** Where the batches go: pino's destination in buffer mode (sonic-boom, `contentMode: 'buffer'`). */
export interface ByteTarget {
  write(chunk: Buffer): unknown;
}

/**
 * A pino destination that writes lines in batches: each line is encoded at once into a buffer of
 * BATCH_BYTES, and the buffer is written with one system call when it is full or BATCH_DELAY_MS
 * after its first line, whichever comes first. Under load that is one write per few dozen access
 * lines instead of one per request, and since a line is copied into the buffer when it is logged,
 * no string is kept alive while it waits (held strings would outlive young-generation
 * collections and be promoted). Lines still waiting when the process exits are written then; a
 * process killed with SIGKILL loses at most the last BATCH_DELAY_MS of lines.
 */
export class BatchedDestination implements DestinationStream {
  private buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: ByteTarget,
    private readonly delayMs = BATCH_DELAY_MS,
  ) {
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const destination of waiting) destination.flush();
      });
    }
  }

  write(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (line.length * 3 > BATCH_BYTES - this.used) {
      this.writeHeld();
      if (line.length * 3 > BATCH_BYTES) {
        this.target.write(Buffer.from(line));
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
    if (this.timer === undefined) {
      waiting.add(this);
      this.timer = setTimeout(() => this.writeHeld(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Writes the lines held, if any (pino's `logger.flush(callback)` calls it with a callback). */
  flush(callback?: (error?: Error) => void): void {
    this.writeHeld();
    callback?.();
  }

  private writeHeld(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    waiting.delete(this);
    if (this.used === 0) return;
    // The target may hold on to the chunk (a write to a full pipe is retried later), so the
    // next lines go to a new buffer rather than over this one.
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.used = 0;
    this.target.write(chunk);
  }
}
