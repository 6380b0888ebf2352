/**
 * SQLSTATEs of a server that will not take this client now: connection failures (class 08),
 * administrator or crash shutdown (57P01–57P03), too many connections (53300), the database
 * gone (3D000) or its credentials refused (28000, 28P01).
 */
const UNAVAILABLE_STATES = ['57P01', '57P02', '57P03', '53300', '3D000', '28000', '28P01'];

/**
 * PostgreSQL unreachable (refused, dropped, shutting down, not accepting connections, pool
 * exhausted): a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message, routine } = error as {
    code?: unknown;
    message?: unknown;
    routine?: unknown;
  };
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.includes(code)) return true;
    // 55000 is any object not in the state a statement needs; at connection time, a database
    // that an administrator closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS false),
    // told by the server's routine (its message may be translated).
    if (code === '55000' && routine === 'CheckMyDatabase') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) {
      return true;
    }
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

/** PostgreSQL's SQLSTATE of an error, from pg or wrapped by TypeORM. */
function sqlState(error: unknown): unknown {
  const cause = (error as { driverError?: unknown } | null)?.driverError ?? error;
  return (cause as { code?: unknown } | null)?.code;
}

/** A deadlock PostgreSQL broke by aborting this transaction: doing it again may well succeed. */
export function isDeadlock(error: unknown): boolean {
  return sqlState(error) === '40P01';
}

/** A unique violation: a key is stored already, or held by a concurrent writer. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** Attempts of a transaction PostgreSQL keeps aborting to break deadlocks. */
export const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs `work` (a whole transaction), and again while PostgreSQL aborts it to break a deadlock
 * with another writer (e.g. an import storing the same refs in another order), at most
 * DEADLOCK_ATTEMPTS times. `work` gets the attempt number (1, 2, …).
 */
export async function retryOnDeadlock<T>(work: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

/**
 * The database did not answer in time: a statement cancelled by `statement_timeout` (57014),
 * or a query the client gave up on (the pool's client-side timeout, a frozen server).
 */
export function isDatabaseTimeout(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '57014' || (typeof message === 'string' && /Query read timeout/.test(message));
}
