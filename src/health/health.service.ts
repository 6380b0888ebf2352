import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { FreshnessService } from '../freshness/freshness.service.js';
import type { HealthDto } from './health.dto.js';

const PING_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly freshness: FreshnessService,
  ) {}

  async check(): Promise<HealthDto> {
    const postgres = (await this.pingPostgres()) ? 'ok' : 'unavailable';
    return {
      status: postgres === 'ok' ? 'ok' : 'degraded',
      service: 'tally',
      version: this.config.appVersion,
      timestamp: new Date().toISOString(),
      dependencies: { postgres },
      // Reported, not a 503: stale snapshots are still served, with their freshness.
      freshness:
        postgres === 'ok'
          ? await this.freshness.health().catch(() => 'lagging' as const)
          : 'lagging',
    };
  }

  private async pingPostgres(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const ping = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
