import { ApiError } from '../common/api-error.js';
import {
  integerTextProblem,
  oneOfProblem,
  repeatedProblem,
  textProblem,
  unknownNameProblems,
  type Problem,
} from '../common/input-rules.js';
import { dayProblem, dayRangeProblem, EARLIEST_DAY } from '../common/time-rules.js';
import { MAX_OFFSET } from '../common/pagination.query.js';
import { EVENT_STATUSES, type WindowName } from '../database/entities/index.js';
import { addDays } from '../snapshots/bucket-range.js';
import {
  FILTER_PARAMETERS,
  REPORT_CATALOG,
  type FilterParameter,
  type ReportSlug,
  type RowLayout,
} from '../snapshots/report-catalog.js';
import { retentionProblem, retentionStart } from '../freshness/retention.js';

/**
 * Query-string rules for the report endpoints, as pure functions (unit-tested beside this file).
 *
 * The report routes read the raw query object instead of a class-validator DTO: which filters and
 * breakdowns are valid depends on the report, the date rules are cross-field, and the run route is
 * the hot path (a cache hit costs no class-transformer/class-validator pass). Each value is
 * checked by the rules of common/input-rules.ts and time-rules.ts, as the DTOs of the other
 * routes are, and errors have the same shape: one 400 `invalid_request` whose message names
 * every bad parameter and whose `details` are `{parameter, message}`.
 */

/** The query object Fastify hands over: strings, or arrays of strings for repeated keys. */
export type RawQuery = Readonly<Record<string, unknown>>;

export const RUN_LIMIT = { default: 50, min: 1, max: 100 } as const;
export const CATALOG_LIMIT = { default: 20, min: 1, max: 100 } as const;
/** Longest `search` of the catalog. */
export const MAX_SEARCH_LENGTH = 100;

export const CATALOG_SORTS = ['slug', 'name', 'updated_at', 'cache_ttl_seconds'] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

const CATALOG_PARAMETERS = ['search', 'limit', 'offset', 'sort', 'order'];
const RUN_PARAMETERS = [
  'window',
  'date_from',
  'date_to',
  'breakdown',
  ...FILTER_PARAMETERS,
  'limit',
  'offset',
];

/** Reads parameters one by one and collects every problem, so one 400 can name them all. */
class QueryReader {
  readonly problems: Problem[] = [];

  constructor(private readonly raw: RawQuery) {}

  has(name: string): boolean {
    return Object.hasOwn(this.raw, name);
  }

  problem(parameter: string, message: string | undefined): void {
    if (message !== undefined) this.problems.push({ parameter, message });
  }

  /** Names every parameter that is not in `allowed` (and not reported otherwise). */
  rejectUnknown(allowed: readonly string[], alreadyReported: readonly string[] = []): void {
    const given = Object.keys(this.raw).filter((name) => !alreadyReported.includes(name));
    this.problems.push(...unknownNameProblems(given, allowed, 'query parameter'));
  }

  /** The single string value of `name`; undefined (and a problem) when repeated. */
  string(name: string): string | undefined {
    if (!this.has(name)) return undefined;
    const value = this.raw[name];
    if (typeof value === 'string') return value;
    this.problem(name, repeatedProblem(name, value) ?? `${name} must be a string`);
    return undefined;
  }

  /** `name` checked by `check` (a rule of input-rules.ts); undefined when absent or invalid. */
  checked(name: string, check: (value: string) => string | undefined): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const problem = check(value);
    this.problem(name, problem);
    return problem === undefined ? value : undefined;
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const value = this.checked(name, (text) => integerTextProblem(name, text, min, max));
    return value === undefined ? fallback : Number(value);
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.checked(name, (text) => oneOfProblem(name, text, values));
    return value === undefined ? fallback : (value as T);
  }

  day(name: string): string | undefined {
    return this.checked(name, (text) => dayProblem(name, text));
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw ApiError.problems(this.problems);
  }
}

export interface DateRangeRules {
  /** Today in UTC, `YYYY-MM-DD`. */
  today: string;
  /** DEFAULT_REPORT_DAYS: the range length when `date_from` is omitted. */
  defaultDays: number;
  /** MAX_REPORT_RANGE_DAYS: the longest inclusive range. */
  maxDays: number;
}

export interface DateRange {
  dateFrom: string;
  dateTo: string;
}

/**
 * Applies the defaults and limits of a run's dates to the (already well-formed) dates given:
 * - `date_to` defaults to today, also when only `date_from` is given;
 * - `date_from` defaults to `date_to` − (DEFAULT_REPORT_DAYS − 1), capped to the maximum range;
 * - `date_from` may not be after `date_to`, and the inclusive range may not exceed the maximum.
 */
export function resolveDateRange(
  given: Partial<DateRange>,
  rules: DateRangeRules,
): DateRange | Problem {
  const dateTo = given.dateTo ?? rules.today;
  const defaultDays = Math.min(rules.defaultDays, rules.maxDays);
  const dateFrom = given.dateFrom ?? addDays(dateTo, -(defaultDays - 1));
  if (dateFrom < EARLIEST_DAY) {
    return {
      parameter: 'date_to',
      message: `date_to is too early: the default range of ${defaultDays} days would start before ${EARLIEST_DAY}; give date_from`,
    };
  }
  const defaultedTo = given.dateTo === undefined ? dateTo : undefined;
  return dayRangeProblem(dateFrom, dateTo, rules.maxDays, defaultedTo) ?? { dateFrom, dateTo };
}

export interface CatalogQuery {
  search: string | undefined;
  limit: number;
  offset: number;
  sort: CatalogSort;
  order: SortOrder;
}

/** `GET /reports`: search, limit, offset, sort (allowlisted column), order. */
export function parseCatalogQuery(raw: RawQuery): CatalogQuery {
  const reader = new QueryReader(raw);
  reader.rejectUnknown(CATALOG_PARAMETERS);
  const search = reader.checked('search', (text) =>
    textProblem('search', text, { min: 0, max: MAX_SEARCH_LENGTH, lookup: true }),
  );
  const query: CatalogQuery = {
    search: search || undefined,
    limit: reader.int('limit', CATALOG_LIMIT.min, CATALOG_LIMIT.max, CATALOG_LIMIT.default),
    offset: reader.int('offset', 0, MAX_OFFSET, 0),
    sort: reader.oneOf('sort', CATALOG_SORTS, 'name'),
    order: reader.oneOf('order', SORT_ORDERS, 'asc'),
  };
  reader.throwIfProblems();
  return query;
}

/** Routes without query parameters still reject unknown ones. */
export function rejectQueryParameters(raw: RawQuery): void {
  const reader = new QueryReader(raw);
  reader.rejectUnknown([]);
  reader.throwIfProblems();
}

/** What a run's parameters are checked against: the report's definition and the config. */
export interface RunRules extends DateRangeRules {
  slug: ReportSlug;
  defaultWindow: WindowName;
  /** From `aggregate_windows`, day first. */
  allowedWindows: readonly WindowName[];
  /** Known event source slugs (values of the `source` filter). */
  sources: readonly string[];
  /** Days of snapshots each window keeps: a range may not start before the first day kept. */
  retentionDays: Partial<Record<WindowName, number>>;
}

export interface ReportFilter {
  parameter: FilterParameter;
  value: string;
}

/** A run's parameters after defaults: what the result (and its cache entry) depends on. */
export interface RunQuery extends DateRange {
  window: WindowName;
  layout: RowLayout;
  filter: ReportFilter | undefined;
  limit: number;
  offset: number;
}

function filterValues(parameter: FilterParameter, rules: RunRules): readonly string[] {
  return parameter === 'status' ? EVENT_STATUSES : rules.sources;
}

/** `GET /reports/{slug}/run`: every parameter rule of a run, for the report in `rules`. */
export function parseRunQuery(raw: RawQuery, rules: RunRules): RunQuery {
  const reader = new QueryReader(raw);
  const shape = REPORT_CATALOG[rules.slug];

  const unsupported = FILTER_PARAMETERS.filter(
    (name) => reader.has(name) && !shape.filters.includes(name),
  );
  for (const name of unsupported) {
    const supported = shape.filters.length > 0 ? shape.filters.join(', ') : 'no filters';
    reader.problem(
      name,
      `${name} is not a filter of report ${rules.slug} (it supports: ${supported})`,
    );
  }
  reader.rejectUnknown(RUN_PARAMETERS, unsupported);

  const window = reader.oneOf('window', rules.allowedWindows, rules.defaultWindow);

  let layout = shape.defaultLayout;
  const breakdown = reader.string('breakdown');
  if (breakdown !== undefined) {
    const supported = Object.keys(shape.breakdowns);
    if (Object.hasOwn(shape.breakdowns, breakdown)) {
      layout = shape.breakdowns[breakdown];
    } else if (supported.length === 0) {
      reader.problem(
        'breakdown',
        `breakdown is not supported by report ${rules.slug} (it supports no breakdown)`,
      );
    } else {
      reader.problem(
        'breakdown',
        `breakdown must be one of ${supported.join(', ')} for report ${rules.slug}`,
      );
    }
  }

  let filter: ReportFilter | undefined;
  for (const parameter of shape.filters) {
    const value = reader.string(parameter);
    if (value === undefined) continue;
    const problem = oneOfProblem(parameter, value, filterValues(parameter, rules));
    if (problem === undefined) filter = { parameter, value };
    reader.problem(parameter, problem);
  }

  const given = { dateFrom: reader.day('date_from'), dateTo: reader.day('date_to') };
  const limit = reader.int('limit', RUN_LIMIT.min, RUN_LIMIT.max, RUN_LIMIT.default);
  const offset = reader.int('offset', 0, MAX_OFFSET, 0);
  // Cross-field date rules only make sense once each date given is well-formed.
  const datesWellFormed = !reader.problems.some((p) => p.parameter.startsWith('date_'));
  let range = datesWellFormed ? resolveDateRange(given, rules) : undefined;
  if (range && !('parameter' in range)) {
    range = withinRetention(range, given.dateFrom !== undefined, window, rules);
  }
  if (range && 'parameter' in range) reader.problem(range.parameter, range.message);
  reader.throwIfProblems();

  const { dateFrom, dateTo } = range as DateRange;
  return { window, dateFrom, dateTo, layout, filter, limit, offset };
}

/**
 * A range inside the window's retention: a `date_from` given before the first day kept is a
 * problem naming that day; a default one is moved up to it (a problem on `date_to` only when
 * the whole range lies before it).
 */
function withinRetention(
  range: DateRange,
  dateFromGiven: boolean,
  window: WindowName,
  rules: RunRules,
): DateRange | Problem {
  const retentionDays = rules.retentionDays[window];
  if (retentionDays === undefined) return range;
  const rule = { today: rules.today, reportSlug: rules.slug, window, retentionDays };
  const problem = retentionProblem(range.dateFrom, rule);
  if (!problem) return range;
  if (dateFromGiven) return problem;
  const start = retentionStart(rules.today, retentionDays);
  if (range.dateTo >= start) return { dateFrom: start, dateTo: range.dateTo };
  return { parameter: 'date_to', message: problem.message.replace(/^date_from/, 'date_to') };
}

/** One cache key per normalized query: equal results have equal keys. */
export function runCacheKey(slug: string, query: RunQuery): string {
  const filter = query.filter ? `${query.filter.parameter}=${query.filter.value}` : '';
  return [
    slug,
    query.window,
    query.dateFrom,
    query.dateTo,
    query.layout,
    filter,
    query.limit,
    query.offset,
  ].join('|');
}
