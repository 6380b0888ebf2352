import { ApiError } from '../common/api-error.js';
import type { RunScope } from './recompute.repository.js';

/**
 * What creating a run can run into, as domain errors: each carries the code the exception
 * filter maps to the response envelope, so the API, the seed and the scheduler call the same
 * code and tell the cases apart by class, not by HTTP status.
 */

/** The scope already has a pending or running run (the partial unique index says so). */
export class ScopeBusyError extends ApiError {
  constructor(scope: RunScope, active?: { id: string; status: string }) {
    super(
      'conflict',
      `a recompute of ${scope.reportSlug}/${scope.window} ${scope.dateFrom}..${scope.dateTo} ` +
        'is already pending or running',
      active ? [{ run_id: active.id, status: active.status }] : [],
    );
  }
}

/** This instance's executor has no room: nothing was created. */
export class QueueFullError extends ApiError {
  constructor() {
    super('service_unavailable', 'the recompute queue is full; try again later');
  }
}

/** This instance is shutting down and takes no new runs: nothing was created. */
export class ShuttingDownError extends ApiError {
  constructor() {
    super('service_unavailable', 'the service is shutting down; try again later');
  }
}

export class ReportNotFoundError extends ApiError {
  constructor(slug: string) {
    super('not_found', `report not found: ${slug}`);
  }
}
