import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { WindowName } from '../database/entities/index.js';
import type { ChangeNoticeToSend } from './snapshot-changes.js';
import { EVENT_COUNT, REPORT_CATALOG, type ReportSlug } from './report-catalog.js';

export interface RebuildScope {
  reportSlug: ReportSlug;
  window: WindowName;
  /** Inclusive start instant (ISO, UTC) of the first bucket. */
  start: string;
  /** Exclusive end instant (ISO, UTC) after the last bucket. */
  end: string;
  runId: string;
}

/** Set-based snapshot SQL: every rebuild is one DELETE and one INSERT … SELECT. */
@Injectable()
export class SnapshotsRepository {
  /** Deletes the scope's snapshot rows; runs inside the caller's transaction. */
  async deleteRange(manager: EntityManager, scope: RebuildScope): Promise<number> {
    const [{ count }] = await manager.query(
      `WITH deleted AS (
         DELETE FROM metric_snapshots
          WHERE report_slug = $1 AND window_name = $2
            AND bucket_start >= $3::timestamptz AND bucket_start < $4::timestamptz
          RETURNING 1)
       SELECT count(*)::int AS count FROM deleted`,
      [scope.reportSlug, scope.window, scope.start, scope.end],
    );
    return count;
  }

  /**
   * Aggregates the scope's events into snapshot rows; runs inside the caller's transaction.
   * Returns the rows inserted and the snapshot the events were read with (see clearDirtyDays).
   */
  async insertRange(
    manager: EntityManager,
    scope: RebuildScope,
  ): Promise<{ count: number; snapshot: string }> {
    const { dimension } = REPORT_CATALOG[scope.reportSlug];
    const [{ count, snapshot }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO metric_snapshots
           (report_slug, window_name, bucket_start, dimension_key, dimension_value,
            metric_name, metric_value, computed_at, run_id)
         SELECT $1, $2, date_trunc($2, e.occurred_at, 'UTC'), $5, ${dimension.expression},
                $6, count(*), now(), $7::uuid
           FROM analytics_events e ${dimension.join}
          WHERE e.occurred_at >= $3::timestamptz AND e.occurred_at < $4::timestamptz
          GROUP BY 3, 5
         RETURNING 1)
       SELECT count(*)::int AS count, pg_current_snapshot()::text AS snapshot FROM inserted`,
      [
        scope.reportSlug,
        scope.window,
        scope.start,
        scope.end,
        dimension.key,
        EVENT_COUNT,
        scope.runId,
      ],
    );
    return { count, snapshot };
  }

  /**
   * Clears the dirty marks of the scope's days that the rebuild covered: those last written by
   * a transaction visible in `snapshot`, the one the events were read with. A mark written by
   * a transaction the rebuild could not see (still running, or committed after the read) stays,
   * so the next refresh picks its events up. In the same statement, sends `notice` (the
   * change notification, delivered if the transaction commits). Returns the marks cleared.
   */
  async clearDirtyDays(
    manager: EntityManager,
    scope: RebuildScope,
    snapshot: string,
    notice: ChangeNoticeToSend,
  ): Promise<number> {
    const [{ count }] = await manager.query(
      `WITH cleared AS (
         DELETE FROM snapshot_dirty_days
          WHERE report_slug = $1 AND window_name = $2
            AND day >= $3::date AND day < $4::date
            AND pg_visible_in_snapshot(marked_xid::text::xid8, $5::pg_snapshot)
          RETURNING 1)
       SELECT (SELECT count(*)::int FROM cleared) AS count, pg_notify($6, $7)`,
      [
        scope.reportSlug,
        scope.window,
        scope.start.slice(0, 10),
        scope.end.slice(0, 10),
        snapshot,
        notice.channel,
        notice.payload,
      ],
    );
    return count;
  }
}
