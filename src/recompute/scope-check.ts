import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { dayRangeProblem } from '../common/time-rules.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { eventsRetentionStart, retentionProblem } from '../freshness/retention.js';
import { formatDay } from '../snapshots/bucket-range.js';
import { isReportSlug } from '../snapshots/report-catalog.js';
import { ReportNotFoundError } from './recompute.errors.js';
import { RecomputeRepository, type ReportWindow, type RunScope } from './recompute.repository.js';

/**
 * Whether a run of a scope may be created: a valid range, a known report and window, and a
 * range within the window's retention (and the raw events kept).
 *
 * The report's windows come from the copy last read, so a trigger usually costs no query for
 * them. The copy cannot make a wrong answer stick: whatever it refuses is checked again against
 * the database, and what it allows is verified by the run's INSERT, which only creates the run
 * while the window still has the retention the range was checked against (see
 * `RecomputeRepository.createPending`).
 */
@Injectable()
export class ScopeCheck {
  /** Each report's windows as last read from the database. */
  private readonly windows = new Map<string, ReportWindow[]>();

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly runs: RecomputeRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Throws why a run of `scope` may not be created; returns the window's retention in days.
   * `fresh`: read the windows from the database, not from the copy.
   */
  async check(scope: RunScope, fresh = false): Promise<number> {
    const problem = dayRangeProblem(scope.dateFrom, scope.dateTo, this.config.maxReportRangeDays);
    if (problem) throw ApiError.problems([problem]);
    const known = fresh ? undefined : this.windows.get(scope.reportSlug);
    if (known) {
      try {
        return this.checkWindow(scope, known);
      } catch {
        // The copy may be out of date: the database decides.
      }
    }
    const windows = await this.runs.reportWindows(scope.reportSlug);
    if (windows.length > 0) this.windows.set(scope.reportSlug, windows);
    else this.windows.delete(scope.reportSlug);
    return this.checkWindow(scope, windows);
  }

  private checkWindow(scope: RunScope, windows: readonly ReportWindow[]): number {
    if (windows.length === 0 || !isReportSlug(scope.reportSlug)) {
      throw new ReportNotFoundError(scope.reportSlug);
    }
    const window = windows.find((w) => w.window === scope.window);
    if (!window) {
      const names = windows.map((w) => w.window).join(', ');
      const message = `window must be one of ${names} for ${scope.reportSlug}`;
      throw ApiError.problems([{ parameter: 'window', message }]);
    }
    const today = formatDay(this.clock.now());
    const retention = retentionProblem(scope.dateFrom, {
      today,
      reportSlug: scope.reportSlug,
      window: scope.window,
      retentionDays: window.retentionDays,
      eventsFrom: eventsRetentionStart(today, this.config.eventRetentionDays),
    });
    if (retention) throw ApiError.problems([retention]);
    return window.retentionDays;
  }
}
