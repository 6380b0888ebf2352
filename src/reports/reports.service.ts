import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { isPrintable } from '../common/input-rules.js';
import { Enveloped } from '../common/envelope.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { addDays, formatDay } from '../snapshots/bucket-range.js';
import { isReportSlug, REPORT_CATALOG } from '../snapshots/report-catalog.js';
import { type ReportDefinitionDto } from './dto/report-definition.dto.js';
import { SOURCE_SYSTEM, type ReportRunDto } from './dto/report-run.dto.js';
import {
  ReportResultCache,
  type CacheStamp,
  type CachedRun,
  type HitBody,
} from './report-cache.js';
import {
  parseCatalogQuery,
  parseRunQuery,
  rejectQueryParameters,
  runCacheKey,
  type RawQuery,
  type RunQuery,
} from './report-query.js';
import { ReportsRepository, type DefinitionRow } from './reports.repository.js';
import { RunnableReports, type RunnableReport } from './runnable-reports.js';

/** Slugs longer than this, or with unprintable characters, cannot exist: 404 without a query. */
const MAX_SLUG_LENGTH = 200;

/** Parsed run URLs kept for cache hits; the map starts over when it reaches this size. */
const MAX_PARSED_URLS = 1_000;
const EXECUTION_MS_KEY = '"execution_ms":';

/** A run URL, parsed for `report` (by identity: a reloaded definition is new) on `today`. */
interface ParsedRunUrl {
  report: RunnableReport;
  today: string;
  query: RunQuery;
  key: string;
}

/** Milliseconds since `started` (a `performance.now()`), to 0.01 ms. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function notFound(slug: string): ApiError {
  const shown = slug.length > 100 ? `${slug.slice(0, 100)}…` : slug;
  return ApiError.notFound(`report not found: ${shown}`);
}

function toDefinition(row: DefinitionRow): ReportDefinitionDto {
  const shape = isReportSlug(row.slug) ? REPORT_CATALOG[row.slug] : undefined;
  return { ...row, supported_breakdowns: shape ? Object.keys(shape.breakdowns) : [] };
}

/** The report catalog, and report runs over the snapshots with a result cache. */
@Injectable()
export class ReportsService {
  /** Today (UTC) and the instant it ends, so a run formats the date once a day, not per call. */
  private today = { day: '', endsAt: 0 };
  /** Reads of the snapshots in flight, by cache key. */
  private readonly inflight = new Map<string, { stamp: CacheStamp; result: Promise<CachedRun> }>();
  /** Recently seen valid run URLs, parsed (see `cachedRunBody`). */
  private readonly parsedUrls = new Map<string, ParsedRunUrl>();

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly repository: ReportsRepository,
    private readonly runnable: RunnableReports,
    private readonly cache: ReportResultCache,
    private readonly metrics: Metrics,
  ) {}

  async list(raw: RawQuery): Promise<Enveloped<ReportDefinitionDto[]>> {
    const query = parseCatalogQuery(raw);
    const page = await this.repository.listDefinitions(query);
    return Enveloped.page(page.rows.map(toDefinition), {
      limit: query.limit,
      offset: query.offset,
      total: page.total,
    });
  }

  async findOne(slug: string, raw: RawQuery): Promise<ReportDefinitionDto> {
    rejectQueryParameters(raw);
    if (slug.length > MAX_SLUG_LENGTH || !isPrintable(slug)) throw notFound(slug);
    const row = await this.repository.findDefinition(slug);
    if (!row) throw notFound(slug);
    return toDefinition(row);
  }

  /**
   * Runs a report: parameters checked against its definition, then the page is served from the
   * cache or read from `metric_snapshots` (and cached for the report's `cache_ttl_seconds`).
   */
  async run(slug: string, raw: RawQuery): Promise<Enveloped<ReportRunDto>> {
    const started = performance.now();
    const report = await this.runnable.find(slug);
    if (!report) throw notFound(slug);
    const query = this.parseRun(report, raw);
    const key = runCacheKey(slug, query);
    const cached = report.cacheTtlSeconds > 0 ? this.cache.get(key) : undefined;
    this.metrics.countReportCache(report.slug, cached !== undefined);
    const result = cached ?? (await this.read(key, report, query));
    return this.envelope(report, query, result, cached !== undefined, elapsedMs(started));
  }

  /**
   * The serialized response of a cache hit for the run URL `url` (path and query string), or
   * undefined for anything else (a miss, a bad parameter, an unknown report), which `run` then
   * handles. This is the hot path of the service, so a URL seen recently is not parsed again,
   * and a cached page is serialized once: only `execution_ms` is written per request.
   */
  async cachedRunBody(url: string, slug: string, raw: RawQuery): Promise<Buffer | undefined> {
    const started = performance.now();
    const report = await this.runnable.find(slug).catch(() => undefined);
    if (!report || report.cacheTtlSeconds === 0) return undefined;
    const parsed = this.parseRunUrl(url, report, raw);
    return parsed && this.hit(parsed, started);
  }

  /**
   * Like `cachedRunBody`, without waiting for anything: the response of a cache hit for a run
   * URL `cachedRunBody` parsed recently, while the report's definition it was parsed for is the
   * one in use and the day has not changed; undefined in every other case. `started` is the
   * `performance.now()` the request arrived at.
   */
  knownRunBody(url: string, started: number): Buffer | undefined {
    const known = this.parsedUrls.get(url);
    if (!known || !this.runnable.isCurrent(known.report) || known.today !== this.todayUtc()) {
      return undefined;
    }
    return this.hit(known, started);
  }

  /** The response to `parsed` when its page is cached. */
  private hit(parsed: ParsedRunUrl, started: number): Buffer | undefined {
    const { report, query, key } = parsed;
    const cached = report.cacheTtlSeconds > 0 ? this.cache.get(key) : undefined;
    if (!cached) return undefined;
    this.metrics.countReportCache(report.slug, true);
    cached.hitBody ??= this.hitBody(report, query, cached);
    const { head, tail } = cached.hitBody;
    return Buffer.concat([head, Buffer.from(String(elapsedMs(started)), 'latin1'), tail]);
  }

  /** The run query of `url`, from the recently parsed URLs while the report and today hold. */
  private parseRunUrl(
    url: string,
    report: RunnableReport,
    raw: RawQuery,
  ): ParsedRunUrl | undefined {
    const today = this.todayUtc();
    const known = this.parsedUrls.get(url);
    if (known?.report === report && known.today === today) return known;
    let query: RunQuery;
    try {
      query = this.parseRun(report, raw, today);
    } catch {
      return undefined;
    }
    if (!this.parsedUrls.has(url) && this.parsedUrls.size >= MAX_PARSED_URLS) {
      this.parsedUrls.clear();
    }
    const parsed = { report, today, query, key: runCacheKey(report.slug, query) };
    this.parsedUrls.set(url, parsed);
    return parsed;
  }

  /**
   * A hit's response as JSON, split around the value of `execution_ms` (the one field that
   * differs per request). The split is at the last `"execution_ms":` of the text: the field
   * comes after `rows`, and a key cannot occur inside a JSON string (its quotes would be escaped).
   */
  private hitBody(report: RunnableReport, query: RunQuery, cached: CachedRun): HitBody {
    const { data, meta } = this.envelope(report, query, cached, true, 0);
    const json = JSON.stringify({ data, meta });
    const at = json.lastIndexOf(EXECUTION_MS_KEY) + EXECUTION_MS_KEY.length;
    return { head: Buffer.from(json.slice(0, at)), tail: Buffer.from(json.slice(at + '0'.length)) };
  }

  private parseRun(report: RunnableReport, raw: RawQuery, today = this.todayUtc()): RunQuery {
    return parseRunQuery(raw, {
      ...report,
      today,
      defaultDays: this.config.defaultReportDays,
      maxDays: this.config.maxReportRangeDays,
    });
  }

  private envelope(
    report: RunnableReport,
    query: RunQuery,
    result: CachedRun,
    cacheHit: boolean,
    executionMs: number,
  ): Enveloped<ReportRunDto> {
    const data: ReportRunDto = {
      report_slug: report.slug,
      window: query.window,
      date_from: query.dateFrom,
      date_to: query.dateTo,
      generated_at: result.generatedAt,
      rows: result.rows,
      row_count: result.rows.length,
      execution_ms: executionMs,
      cache_hit: cacheHit,
      source_system: SOURCE_SYSTEM,
    };
    return new Enveloped(data, {
      cache_hit: cacheHit,
      pagination: { limit: query.limit, offset: query.offset, total: result.total },
      freshness: result.freshness,
    });
  }

  /**
   * Reads a page from the snapshots and caches it. Concurrent misses of one key share a read,
   * as long as nothing was invalidated since it started (and the cache is on: while it is off,
   * invalidations could go unnoticed).
   */
  private read(key: string, report: RunnableReport, query: RunQuery): Promise<CachedRun> {
    const shareable = report.cacheTtlSeconds > 0 && this.cache.isEnabled;
    const pending = shareable ? this.inflight.get(key) : undefined;
    if (pending && this.cache.isCurrent(pending.stamp)) return pending.result;

    const stamp = this.cache.stamp(report.slug);
    const result = this.repository.runReport(report.slug, query).then((page) => {
      const run: CachedRun = { ...page, generatedAt: new Date().toISOString() };
      this.cache.set(key, stamp, run, report.cacheTtlSeconds);
      return run;
    });
    if (!shareable) return result;
    this.inflight.set(key, { stamp, result });
    const forget = () => {
      if (this.inflight.get(key)?.result === result) this.inflight.delete(key);
    };
    result.then(forget, forget);
    return result;
  }

  private todayUtc(): string {
    const now = Date.now();
    if (now >= this.today.endsAt) {
      const day = formatDay(new Date(now));
      this.today = { day, endsAt: Date.parse(`${addDays(day, 1)}T00:00:00Z`) };
    }
    return this.today.day;
  }
}
