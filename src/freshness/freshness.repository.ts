import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WindowName } from '../database/entities/index.js';
import { EARLIEST_DAY, LATEST_DAY } from '../common/time-rules.js';
import { WORK_DATA_SOURCE } from '../database/pools.js';
import { REPORT_SLUGS } from '../snapshots/report-catalog.js';

/** A report and window with its schedule, horizon and dirty days. */
export interface ScopeState {
  report_slug: string;
  window: WindowName;
  refresh_interval_minutes: number;
  retention_days: number;
  /** Dirty days whose bucket is still kept (in retention), ascending `YYYY-MM-DD`. */
  days: string[];
  /** The earliest first_marked_at of those days, or null. */
  oldest_dirty_at: Date | null;
  /** The latest finish of a completed run of this report and window, or null. */
  last_refreshed_at: Date | null;
  /** Whether a run of this report and window is pending or running. */
  busy: boolean;
}

/**
 * A dirty day is refreshed when its report has SQL (the catalog: `$3`; a definition added by
 * hand has none), the day is one a run may name, and its bucket starts on or after the retention
 * start (`today − retention_days`) and, when raw events are pruned, on or after the first day
 * whose events are kept (a week that began before it cannot be recounted whole). Other marks are
 * never refreshed.
 */
const KEPT = `d.report_slug = ANY($3::text[])
          AND d.day BETWEEN '${EARLIEST_DAY}' AND '${LATEST_DAY}'
          AND date_trunc(w.window_name, d.day::timestamp)::date >= $1::date - w.retention_days
          AND ($2::date IS NULL OR date_trunc(w.window_name, d.day::timestamp)::date >= $2::date)`;

/**
 * Change tracking, scheduling and retention SQL over snapshot_dirty_days and friends. The
 * retention deletes run on the work pool (no statement timeout: a backlog of old rows takes what
 * it takes, batch by batch).
 */
@Injectable()
export class FreshnessRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectDataSource(WORK_DATA_SOURCE) private readonly workDataSource: DataSource,
  ) {}

  /**
   * Every report and window of the catalog with its dirty days that are refreshed (KEPT), on
   * `today`; `eventsFrom` is the first day whose raw events are kept (undefined: all are).
   */
  scopes(today: string, eventsFrom: string | undefined): Promise<ScopeState[]> {
    return this.dataSource.query(
      `SELECT w.report_slug, w.window_name AS "window", w.refresh_interval_minutes,
              w.retention_days,
              coalesce(marks.days, '{}') AS days, marks.oldest_dirty_at,
              (SELECT max(r.finished_at) FROM recompute_runs r
                WHERE r.report_slug = w.report_slug AND r.window_name = w.window_name
                  AND r.status = 'completed') AS last_refreshed_at,
              EXISTS (SELECT 1 FROM recompute_runs r
                       WHERE r.report_slug = w.report_slug AND r.window_name = w.window_name
                         AND r.status IN ('pending', 'running')) AS busy
         FROM aggregate_windows w
         LEFT JOIN LATERAL (
           SELECT array_agg(to_char(d.day, 'YYYY-MM-DD') ORDER BY d.day) AS days,
                  min(d.first_marked_at) AS oldest_dirty_at
             FROM snapshot_dirty_days d
            WHERE d.report_slug = w.report_slug AND d.window_name = w.window_name AND ${KEPT}
         ) AS marks ON true
        WHERE w.report_slug = ANY($3::text[])
        ORDER BY w.report_slug, array_position(ARRAY['day', 'week'], w.window_name)`,
      [today, eventsFrom ?? null, REPORT_SLUGS],
    );
  }

  /** Drops the marks of days that are never refreshed (outside retention, or no SQL: KEPT). */
  async dropMarksOutsideRetention(today: string, eventsFrom: string | undefined): Promise<number> {
    const [{ count }] = await this.dataSource.query(
      `WITH dropped AS (
         DELETE FROM snapshot_dirty_days d USING aggregate_windows w
          WHERE w.report_slug = d.report_slug AND w.window_name = d.window_name AND NOT (${KEPT})
         RETURNING 1)
       SELECT count(*)::int AS count FROM dropped`,
      [today, eventsFrom ?? null, REPORT_SLUGS],
    );
    return count;
  }

  /** Deletes up to `limit` snapshot rows of a report and window whose bucket starts before `day`. */
  async pruneSnapshots(
    reportSlug: string,
    window: WindowName,
    day: string,
    limit: number,
  ): Promise<number> {
    const [{ count }] = await this.workDataSource.query(
      `WITH doomed AS (
         SELECT id FROM metric_snapshots
          WHERE report_slug = $1 AND window_name = $2
            AND bucket_start < ($3::date)::timestamp AT TIME ZONE 'UTC'
          LIMIT $4),
       deleted AS (
         DELETE FROM metric_snapshots m USING doomed WHERE m.id = doomed.id RETURNING 1)
       SELECT count(*)::int AS count FROM deleted`,
      [reportSlug, window, day, limit],
    );
    return count;
  }

  /**
   * Deletes up to `limit` raw events that occurred before `day` (UTC). Their snapshots keep
   * them: the transaction tells the change-tracking trigger not to mark their days.
   */
  pruneEvents(day: string, limit: number): Promise<number> {
    return this.workDataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tally.retention_prune', 'on', true)`);
      const [{ count }] = await manager.query(
        `WITH doomed AS (
           SELECT id FROM analytics_events
            WHERE occurred_at < ($1::date)::timestamp AT TIME ZONE 'UTC'
            ORDER BY occurred_at LIMIT $2),
         deleted AS (
           DELETE FROM analytics_events e USING doomed WHERE e.id = doomed.id RETURNING 1)
         SELECT count(*)::int AS count FROM deleted`,
        [day, limit],
      );
      return count;
    });
  }
}
