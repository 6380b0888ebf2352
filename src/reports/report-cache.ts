import { Injectable } from '@nestjs/common';
import type { Freshness, ReportRow } from './reports.repository.js';

/** What a stamp records: the state of the cache when a read of the database began. */
export interface CacheStamp {
  readonly reportSlug: string;
  readonly generation: number;
  readonly epoch: number;
}

interface Entry<V> extends CacheStamp {
  value: V;
  expiresAt: number;
  /** The cache's count of insertions and moves when the entry was stored or last moved. */
  position: number;
}

/**
 * An in-memory LRU of report results, bounded by entry count, with a time to live per entry
 * and invalidation per report.
 *
 * The entries are kept in a `Map` in recency order, the least recent first, which is evicted
 * first. A hit moves its entry to the recent end only when more than `maxEntries / 2` entries
 * were stored or moved since it was: moving costs a delete and an insert, on every hit of the
 * service's hot path, and an entry in the recent half of the order is far from eviction anyway.
 * So an entry outlives at least `maxEntries / 2` stores and moves of other entries after its last
 * hit (an exact LRU: `maxEntries`), and an entry hit again before `maxEntries / 2` of them is
 * never evicted.
 *
 * Invalidation is by generation: each report has a counter that `invalidate` bumps, and
 * `invalidateAll` bumps a global epoch. A reader takes a `stamp()` *before* it queries the
 * database and hands it to `set()`; if the report was invalidated in between, the (possibly
 * stale) result is not stored. So a read that started before a recompute committed can never
 * put its old numbers back after the invalidation.
 *
 * While `enabled` is false (the cross-instance notification channel is down, so invalidations
 * from other instances could be missed) nothing is served or stored; re-enabling starts empty.
 */
export class ReportCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private enabled = false;
  /** Insertions and moves so far (see `Entry.position`). */
  private moves = 0;

  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Turns the cache on or off; either way it starts over empty. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.invalidateAll();
  }

  /**
   * The fresh entry under `key`, or undefined. A hit makes the entry the most recently used one
   * unless it is in the recent half of the order already (see the class).
   */
  get(key: string): V | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (!this.isCurrent(entry) || entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.moves - entry.position > this.maxEntries / 2) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.position = ++this.moves;
    }
    return entry.value;
  }

  /** Take this before reading the database for `reportSlug`; pass it to `set`. */
  stamp(reportSlug: string): CacheStamp {
    return { reportSlug, generation: this.generations.get(reportSlug) ?? 0, epoch: this.epoch };
  }

  /**
   * Stores `value` for `ttlSeconds` unless caching is off, the TTL is 0, or the report was
   * invalidated since `stamp` was taken. Evicts the least recently used entries beyond the bound.
   */
  set(key: string, stamp: CacheStamp, value: V, ttlSeconds: number): boolean {
    if (!this.enabled || ttlSeconds <= 0 || !this.isCurrent(stamp)) return false;
    this.entries.delete(key);
    const expiresAt = this.now() + ttlSeconds * 1000;
    this.entries.set(key, { ...stamp, value, expiresAt, position: ++this.moves });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return true;
  }

  /** Forgets every result of `reportSlug`, including reads of it still in flight. */
  invalidate(reportSlug: string): void {
    this.generations.set(reportSlug, (this.generations.get(reportSlug) ?? 0) + 1);
    for (const [key, entry] of this.entries) {
      if (entry.reportSlug === reportSlug) this.entries.delete(key);
    }
  }

  /** Forgets everything, including reads still in flight. */
  invalidateAll(): void {
    this.epoch += 1;
    this.entries.clear();
  }

  /** Whether nothing was invalidated for the stamp's report since it was taken. */
  isCurrent(stamp: CacheStamp): boolean {
    return (
      stamp.epoch === this.epoch &&
      stamp.generation === (this.generations.get(stamp.reportSlug) ?? 0)
    );
  }
}

/** A cache hit's response body as UTF-8 JSON, around the value of `execution_ms`. */
export interface HitBody {
  head: Buffer;
  tail: Buffer;
}

/** A cached page of a report run. */
export interface CachedRun {
  rows: ReportRow[];
  total: number;
  /** The freshness of the rows, as of when they were read. */
  freshness: Freshness;
  /** When the rows were read from `metric_snapshots`. */
  generatedAt: string;
  /** Its response, serialized at the first hit served ahead of Nest. */
  hitBody?: HitBody;
}

/** At most this many cached pages per process (each holds at most 100 rows). */
export const REPORT_CACHE_MAX_ENTRIES = 2_000;

/** The process's report result cache (one per running instance). */
@Injectable()
export class ReportResultCache extends ReportCache<CachedRun> {
  constructor() {
    super(REPORT_CACHE_MAX_ENTRIES);
  }
}
