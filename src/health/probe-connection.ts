import pg from 'pg';
import { within } from '../common/within.js';

/** Closes `client`'s socket: end() waits for the server, which may not answer. */
function destroy(client: pg.Client): void {
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  (
    client as unknown as { connection: { stream: { destroy(): void } } }
  ).connection.stream.destroy();
}

/**
 * One PostgreSQL connection of the health probes' own. Through the request pool, a burst of
 * slow queries that fills it would make `SELECT 1` wait for a connection, and readiness would
 * take every instance out of the balancer at once while PostgreSQL answers fine. Opened on the
 * first ping and again after a failure; a ping that fails or does not answer within `timeoutMs`
 * drops the connection.
 */
export class ProbeConnection {
  /** The connection, being opened or open; undefined: the next ping opens one. */
  private client: Promise<pg.Client> | undefined;
  /** Closed at shutdown: no new connection is opened (`GET /health` is still served then). */
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /** Whether PostgreSQL answers `SELECT 1` on this connection within the timeout. */
  ping(): Promise<boolean> {
    return this.query('SELECT 1').then(
      () => true,
      () => false,
    );
  }

  /**
   * The rows of `sql` on this connection. A connection that could not be opened (refused, also
   * by PostgreSQL itself: not accepting connections, starting up, too many clients, a password
   * refused) is opened again by the next query; one that fails or does not answer in time is
   * dropped; an error of the statement alone (PostgreSQL answered, the session goes on) keeps it.
   */
  async query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    if (this.closed) throw new Error('the probe connection is closed');
    const opening = (this.client ??= this.connect());
    const forget = () => {
      if (this.client === opening) this.client = undefined;
    };
    let client: pg.Client;
    try {
      client = await opening;
    } catch (error) {
      forget();
      throw error;
    }
    try {
      return (await client.query<T>(sql)).rows;
    } catch (error) {
      const statementOnly = error instanceof pg.DatabaseError && error.severity === 'ERROR';
      if (!statementOnly) {
        forget();
        destroy(client);
      }
      throw error;
    }
  }

  /**
   * Closes the connection (at shutdown): ends the session, but waits at most the timeout for
   * the server (a frozen one never answers), then closes the socket.
   */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    const open = await client?.catch(() => undefined);
    if (!open) return;
    await within(
      open.end().catch(() => undefined),
      this.timeoutMs,
      undefined,
    );
    destroy(open);
  }

  private connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      application_name: 'tally-probe',
      keepAlive: true,
    });
    const connected = client.connect().then(() => client);
    // Lost between pings (a restart, a terminated backend): forgotten, the next ping reconnects.
    client.on('error', () => {
      if (this.client === connected) this.client = undefined;
      destroy(client);
    });
    return connected;
  }
}
