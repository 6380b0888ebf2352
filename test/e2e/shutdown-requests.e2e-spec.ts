import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import pg from 'pg';
import type { TallyHttpAdapter } from '../../src/common/app-setup.js';
import { startApp } from '../support/app.js';
import { useTestDatabase } from '../support/context.js';
import { insertEvents, waitFor } from '../support/recompute.js';

const RUN = '/api/v1/reports/status-counts/run?date_from=2026-06-01&date_to=2026-06-09';

describe('requests that arrive while the HTTP server closes', () => {
  const ctx = useTestDatabase('migrated');

  it('get the 503 envelope with a request id, Retry-After and an access line', async () => {
    await insertEvents(ctx.db.sql, 50, '2026-06-01T00:00:00Z', '2026-06-09T00:00:00Z');
    const lines: string[] = [];
    const app = await startApp(ctx.db.url, {
      logDestination: { write: (line: string) => void lines.push(line) },
      // The slow read must outlast the test however slow the machine: no statement timeout.
      env: { LOG_LEVEL: 'log', REPORT_QUERY_TIMEOUT_MS: '600000' },
    });
    const server = app.app.getHttpServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const locker = new pg.Client({ connectionString: ctx.db.url });
    await locker.connect();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = once(socket, 'close');
    let closing: Promise<void> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE metric_snapshots IN ACCESS EXCLUSIVE MODE');
      // A slow request keeps the connection busy (a cache miss waiting for the lock).
      socket.write(`GET ${RUN} HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\n\r\n`);
      await waitFor('the read to wait for the lock', async () => {
        const { rows } = await ctx.db.sql.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      closing = app.close();
      const adapter = app.app.getHttpAdapter() as TallyHttpAdapter;
      await waitFor('the HTTP server to close', async () =>
        adapter.serverClosing ? true : undefined,
      );
      // The next request on the same connection arrives while the server closes.
      socket.write(`GET /api/v1/reports HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-2\r\n\r\n`);
      await waitFor('the late request to be answered', async () =>
        lines.some((line) => line.includes('"request_id":"late-2"')) ? true : undefined,
      );
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    await ended;
    await closing;
    // Its response follows the slow one's (HTTP answers a connection's requests in order).
    const late = Buffer.concat(received)
      .toString()
      .split(/(?=HTTP\/1\.1 )/)[1];
    const [head, body] = late.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).toMatch(/\r\ncontent-security-policy: /i);
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'service_unavailable',
        message: 'the service is shutting down; try again later',
        details: [],
        request_id: 'late-2',
      },
    });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.filter((entry) => entry.request_id === 'late-2')).toEqual([
      expect.objectContaining({ msg: 'request', status: 503, url: '/api/v1/reports' }),
    ]);
    // The operator sees the shutdown begin and the server close.
    expect(
      entries.filter((entry) => entry.context === 'Shutdown').map((entry) => entry.msg),
    ).toEqual([
      'shutting down: not ready from now on, finishing the work in flight',
      'HTTP server closed',
    ]);
  });
});
