import type { PreparedStatement } from '../database/prepared.js';

/*
 * The SQL of the statements every recompute run sends, prepared (see database/prepared.ts);
 * RecomputeRepository explains each where it sends it.
 */

/** A run's columns, as `RecomputeRun` names them. */
export const RUN_COLUMNS = `
  id, report_slug AS "reportSlug", window_name AS "windowName",
  to_char(date_from, 'YYYY-MM-DD') AS "dateFrom", to_char(date_to, 'YYYY-MM-DD') AS "dateTo",
  requested_by AS "requestedBy", status, requested_at AS "requestedAt",
  started_at AS "startedAt", finished_at AS "finishedAt", error_message AS "errorMessage",
  summary, attempts, locked_by AS "lockedBy", lease_expires_at AS "leaseExpiresAt"`;

/** The audit metadata of a run (as runMetadata in run-lifecycle.ts), from RUN_COLUMNS. */
const AUDIT_SCOPE = `jsonb_build_object('report_slug', "reportSlug", 'window', "windowName",
                                       'date_from', "dateFrom", 'date_to', "dateTo")`;

export const CREATE_PENDING: PreparedStatement = {
  name: 'tally_create_run',
  text: `WITH definition AS (
         SELECT FROM aggregate_windows
          WHERE report_slug = $1 AND window_name = $2 AND retention_days = $8),
       created AS (
         INSERT INTO recompute_runs
           (report_slug, window_name, date_from, date_to, requested_by, locked_by, lease_expires_at)
         SELECT $1, $2, $3::date, $4::date, $5, $6, now() + make_interval(secs => $7)
           FROM definition
         ON CONFLICT (report_slug, window_name, date_from, date_to)
           WHERE status IN ('pending', 'running') DO NOTHING
         RETURNING ${RUN_COLUMNS}),
       audited AS (
         INSERT INTO audit_entries (actor, action, resource_type, resource_id, metadata)
         SELECT "requestedBy", 'recompute.triggered', 'recompute_run', id::text, ${AUDIT_SCOPE}
           FROM created),
       no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
       SELECT EXISTS (SELECT FROM definition) AS "definitionHolds", created.*
         FROM no_flush, (SELECT) AS one LEFT JOIN created ON true`,
};

export const CLAIM: PreparedStatement = {
  name: 'tally_claim_run',
  text: `WITH claimed AS (
       UPDATE recompute_runs
          SET status = 'running', started_at = now(), attempts = attempts + 1,
              locked_by = $2, lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1
          AND (status = 'pending'
               OR (status = 'running' AND attempts < $4
                   AND (lease_expires_at IS NULL OR lease_expires_at < now())))
        RETURNING ${RUN_COLUMNS}),
       no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
       SELECT claimed.* FROM claimed, no_flush`,
};

export const COMPLETE: PreparedStatement = {
  name: 'tally_complete_run',
  text: `WITH completed AS (
       UPDATE recompute_runs
          SET status = 'completed', finished_at = clock_timestamp(), summary = $3::jsonb,
              error_message = NULL, lease_expires_at = NULL
        WHERE id = $1 AND status = 'running' AND attempts = $2
        RETURNING ${RUN_COLUMNS}),
       audited AS (
         INSERT INTO audit_entries (actor, action, resource_type, resource_id, metadata)
         SELECT $4, 'recompute.completed', 'recompute_run', id::text,
                ${AUDIT_SCOPE} || jsonb_build_object('attempt', attempts, 'summary', summary)
           FROM completed)
       SELECT 1 FROM completed`,
};

export const FLUSH_WAL: PreparedStatement = {
  name: 'tally_flush_wal',
  text: `SELECT pg_logical_emit_message(true, 'tally', 'flush')`,
};
