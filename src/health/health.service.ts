import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { TallyHttpAdapter } from '../common/app-setup.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { FreshnessService } from '../freshness/freshness.service.js';
import type { HealthDto, ReadinessDto } from './health.dto.js';
import { ProbeConnection } from './probe-connection.js';
import { within } from '../common/within.js';

const PING_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService implements OnModuleDestroy {
  /** Once every migration this code knows is applied, it stays so. */
  private migrated = false;
  /** The probes' own connection, independent of how busy the request pool is. */
  private readonly probe: ProbeConnection;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly freshness: FreshnessService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const { url } = this.dataSource.options as { url: string };
    this.probe = new ProbeConnection(url, PING_TIMEOUT_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.probe.close();
  }

  async check(): Promise<HealthDto> {
    // Both at once, each bounded: the answer takes at most PING_TIMEOUT_MS. Freshness is read
    // through the request pool (a full pool: not known, reported lagging).
    const [reachable, freshness] = await Promise.all([
      this.pingPostgres(),
      within(
        this.freshness.health().catch(() => 'lagging' as const),
        PING_TIMEOUT_MS,
        'lagging' as const,
      ),
    ]);
    const postgres = reachable ? 'ok' : 'unavailable';
    return {
      status: postgres === 'ok' ? 'ok' : 'degraded',
      service: 'tally',
      version: this.config.appVersion,
      timestamp: new Date().toISOString(),
      dependencies: { postgres },
      // Reported, not a 503: stale snapshots are still served, with their freshness.
      freshness: postgres === 'ok' ? freshness : 'lagging',
    };
  }

  /**
   * Whether this instance should get traffic: not shutting down (checked first: it turns at
   * the very start of shutdown), PostgreSQL answering, and every migration applied.
   */
  async ready(): Promise<ReadinessDto> {
    if (this.shuttingDown()) {
      return {
        status: 'not_ready',
        checks: { shutting_down: true, postgres: 'skipped', migrations: 'skipped' },
      };
    }
    const [postgres, migrated] = await Promise.all([this.pingPostgres(), this.migrationsApplied()]);
    return {
      status: postgres && migrated ? 'ready' : 'not_ready',
      checks: {
        shutting_down: false,
        postgres: postgres ? 'ok' : 'unavailable',
        migrations: migrated ? 'ok' : postgres ? 'pending' : 'unknown',
      },
    };
  }

  private shuttingDown(): boolean {
    const adapter = this.adapterHost.httpAdapter as TallyHttpAdapter | undefined;
    return adapter?.shutdownStarted === true;
  }

  private pingPostgres(): Promise<boolean> {
    return within(this.probe.ping(), PING_TIMEOUT_MS, false);
  }

  private async migrationsApplied(): Promise<boolean> {
    if (this.migrated) return true;
    const known = this.dataSource.migrations.map(
      (migration) => migration.name ?? migration.constructor.name,
    );
    const check = this.probe
      .query<{ name: string }>('SELECT name FROM typeorm_migrations')
      .then((rows) => {
        const applied = new Set(rows.map((row) => row.name));
        return known.every((name) => applied.has(name));
      })
      .catch(() => false);
    this.migrated = await within(check, PING_TIMEOUT_MS, false);
    return this.migrated;
  }
}
