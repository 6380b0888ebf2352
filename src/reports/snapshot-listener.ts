import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import pg from 'pg';
import { DatabaseServer } from '../database/database-server.js';
import {
  parseChangeNotice,
  SNAPSHOTS_CHANNEL,
  SnapshotChanges,
} from '../snapshots/snapshot-changes.js';
import { ReportResultCache } from './report-cache.js';

/** Name of the listening session in `pg_stat_activity`. */
export const LISTENER_APPLICATION_NAME = 'tally-snapshot-listener';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Keeps the report cache honest: invalidates a report's cached results when its snapshots
 * change, in this process (`SnapshotChanges.subscribe`, right after the rebuild commits) and in
 * every other instance (PostgreSQL `LISTEN` on the channel the rebuild `pg_notify`s inside its
 * transaction).
 *
 * The LISTEN runs on a dedicated connection (a pooled one could not keep it). While that
 * connection is down a NOTIFY could be missed, so the cache is switched off (every read goes
 * to the database) until it is back; reconnecting starts from an empty cache. A heartbeat
 * query notices a connection that died silently.
 */
@Injectable()
export class SnapshotListener implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SnapshotListener.name);
  private client: pg.Client | undefined;
  private unsubscribe: (() => void) | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  private stopped = false;
  private warned = false;

  constructor(
    private readonly server: DatabaseServer,
    private readonly changes: SnapshotChanges,
    private readonly cache: ReportResultCache,
  ) {}

  get isListening(): boolean {
    return this.client !== undefined;
  }

  onModuleInit(): void {
    this.unsubscribe = this.changes.subscribe((reportSlug) => this.cache.invalidate(reportSlug));
  }

  /** The first connection is made before the app serves requests; later ones in background. */
  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    this.cache.setEnabled(false);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.server.url,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    // pg emits 'error' for a connection lost while idle; without a handler it would crash.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== SNAPSHOTS_CHANNEL) return;
      const notice = parseChangeNotice(message.payload ?? '');
      // This instance's own rebuilds invalidated at commit already (`changedHere`); doing it
      // again when the NOTIFY comes back would throw away results read after the commit.
      if (notice.origin === this.changes.origin) return;
      if (notice.reportSlug) this.cache.invalidate(notice.reportSlug);
      else this.cache.invalidateAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SNAPSHOTS_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => undefined);
      this.scheduleReconnect(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
    // Anything could have changed while nobody listened: start from an empty cache.
    this.cache.setEnabled(true);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(client), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    if (this.warned) this.logger.log(`listening on ${SNAPSHOTS_CHANNEL} again; cache re-enabled`);
    this.warned = false;
  }

  private async heartbeat(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('heartbeat timed out')), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch (error) {
      this.lost(client, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The listening connection is gone: stop caching, then reconnect. */
  private lost(client: pg.Client, error?: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    this.cache.setEnabled(false);
    client.end().catch(() => undefined);
    this.scheduleReconnect(error ?? new Error('connection ended'));
  }

  private scheduleReconnect(error: unknown): void {
    if (this.stopped) return;
    if (!this.warned) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `not listening on ${SNAPSHOTS_CHANNEL} (${reason}); report cache bypassed until reconnected`,
      );
      this.warned = true;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }
}
