import type { WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { getSystemErrorMap } from 'node:util';

/** A reject file that cannot be opened or written: the message names the path and why. */
export class RejectFileError extends Error {
  constructor(path: string, cause: unknown) {
    super(`cannot write the reject file ${path}: ${reason(cause)}`, { cause });
  }
}

/** Why a file operation failed, in words (`no such file or directory`), without the stack. */
function reason(error: unknown): string {
  const { code, errno, message } = error as NodeJS.ErrnoException;
  if (code === 'EISDIR') return 'it is a directory';
  return (errno !== undefined && getSystemErrorMap().get(errno)?.[1]) || message;
}

/**
 * The `--reject-file` of `npm run import`. Opened before anything is read, so a path that cannot
 * be written is one clear line. A write error later is kept, not thrown as an unhandled 'error'
 * event: the next `write` or `close` throws it, and `onError` listeners hear it at once.
 */
export class RejectFile {
  private failure?: RejectFileError;

  private constructor(
    private readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error) => (this.failure ??= new RejectFileError(path, error)));
  }

  /** Creates (or truncates) the file; throws a `RejectFileError` when it cannot. */
  static async open(path: string): Promise<RejectFile> {
    const handle = await open(path, 'w').catch((error: unknown) => {
      throw new RejectFileError(path, error);
    });
    return new RejectFile(path, handle.createWriteStream());
  }

  /** Called with the error when a write fails (at most once). */
  onError(listener: (error: RejectFileError) => void): void {
    this.stream.once('error', (error) =>
      listener(this.failure ?? new RejectFileError(this.path, error)),
    );
  }

  /** Writes a line; waits when the buffer is full. */
  async write(text: string): Promise<void> {
    this.throwIfFailed();
    if (this.stream.write(`${text}\n`)) return;
    // `once` rejects when the stream errors instead of draining.
    await once(this.stream, 'drain').catch((error: unknown) => {
      throw this.failure ?? new RejectFileError(this.path, error);
    });
  }

  /** Writes out what is buffered and closes the file; throws when that fails. Idempotent. */
  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream).catch((error: unknown) => {
      throw this.failure ?? new RejectFileError(this.path, error);
    });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
    if (this.stream.errored) throw new RejectFileError(this.path, this.stream.errored);
  }
}
