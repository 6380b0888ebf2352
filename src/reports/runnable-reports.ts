import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import type { WindowName } from '../database/entities/index.js';
import { isReportSlug, type ReportSlug } from '../snapshots/report-catalog.js';
import { ReportsRepository } from './reports.repository.js';

/** What a run needs from `report_definitions`, `aggregate_windows` and `event_sources`. */
export interface RunnableReport {
  slug: ReportSlug;
  cacheTtlSeconds: number;
  defaultWindow: WindowName;
  allowedWindows: WindowName[];
  /** Known event source slugs (values of the `source` filter). */
  sources: readonly string[];
  /** Days of snapshots each window keeps (`aggregate_windows.retention_days`). */
  retentionDays: Partial<Record<WindowName, number>>;
}

/** How long the in-memory copy of the definitions is used before it is read again. */
export const DEFINITIONS_REFRESH_MS = 2_000;

interface Loaded {
  at: number;
  reports: Map<string, RunnableReport>;
}

/**
 * The public, runnable report definitions, kept in memory for DEFINITIONS_REFRESH_MS so that a
 * report run (above all a cache hit) costs no definition query. Operators' edits to a
 * definition (`cache_ttl_seconds`, `default_window`, `is_public`, windows) apply within that
 * time (retention too). Only reports whose row shapes the code knows can be run.
 */
@Injectable()
export class RunnableReports {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(private readonly repository: ReportsRepository) {}

  /** The runnable public report `slug`, or undefined. */
  async find(slug: string): Promise<RunnableReport | undefined> {
    if (!isReportSlug(slug)) return undefined;
    const loaded = this.fresh() ?? (await this.reload());
    return loaded.reports.get(slug);
  }

  /**
   * Whether `report` (from `find`) is still the definition in use: loaded less than
   * DEFINITIONS_REFRESH_MS ago and not changed by a reload since. False means `find` again.
   */
  isCurrent(report: RunnableReport): boolean {
    return this.fresh()?.reports.get(report.slug) === report;
  }

  /** The copy in memory while it is younger than DEFINITIONS_REFRESH_MS. */
  private fresh(): Loaded | undefined {
    const loaded = this.loaded;
    return loaded && Date.now() - loaded.at < DEFINITIONS_REFRESH_MS ? loaded : undefined;
  }

  /** One load at a time; concurrent callers share it. */
  private reload(): Promise<Loaded> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<Loaded> {
    const at = Date.now();
    const [definitions, sources, retention] = await Promise.all([
      this.repository.listPublicDefinitions(),
      this.repository.listSourceSlugs(),
      this.repository.listRetention(),
    ]);
    const reports = new Map<string, RunnableReport>();
    for (const definition of definitions) {
      if (!isReportSlug(definition.slug)) continue;
      const report: RunnableReport = {
        slug: definition.slug,
        cacheTtlSeconds: definition.cache_ttl_seconds,
        defaultWindow: definition.default_window,
        allowedWindows: definition.allowed_windows,
        sources,
        retentionDays: Object.fromEntries(
          retention
            .filter((row) => row.report_slug === definition.slug)
            .map((row) => [row.window_name, row.retention_days]),
        ),
      };
      // An unchanged definition stays the same object, so URLs parsed against it stay valid
      // (ReportsService keeps them while `isCurrent`).
      const previous = this.loaded?.reports.get(definition.slug);
      reports.set(definition.slug, isDeepStrictEqual(previous, report) ? previous! : report);
    }
    this.loaded = { at, reports };
    return this.loaded;
  }
}
