import pg from 'pg';
import { addDays, formatDay } from '../src/snapshots/bucket-range.js';

export const BENCH_DAYS = 365;
export const BENCH_ENTITIES = 10_000;
const BASE_SOURCES = ['stripe', 'adyen', 'paypal'];
/** Masks the sign bit of PostgreSQL's 64-bit hash, leaving a non-negative bigint. */
const POSITIVE = '9223372036854775807';
/** Events rows per INSERT … SELECT, so progress shows and no transaction grows without end. */
const CHUNK = 500_000;

/** 3 sources (the reference data); one more per 250,000 events beyond the first 250,000, ≤ 24. */
export function sourceCount(events: number): number {
  return Math.min(24, BASE_SOURCES.length + Math.max(0, Math.floor(events / 250_000) - 1));
}

export interface LoadedData {
  events: number;
  sources: number;
  entities: number;
  /** The 365 UTC days the events cover: [firstDay, lastDay] (lastDay = today). */
  firstDay: string;
  lastDay: string;
  load_ms: number;
  /** Time spent rebuilding the event indexes after the bulk insert (part of load_ms). */
  index_ms: number;
  /** VACUUM ANALYZE after the load, so neither side of a comparison pays for hint bits (part of load_ms). */
  vacuum_ms: number;
}

interface IndexDef {
  name: string;
  definition: string;
  /** A constraint (unique) rather than a plain index. */
  constraint: boolean;
}

/**
 * The secondary indexes and unique constraints of `analytics_events` as the migrations made
 * them, read from the catalog so the bench recreates exactly what the schema has.
 */
async function eventIndexes(client: pg.Client): Promise<IndexDef[]> {
  const { rows } = await client.query<IndexDef>(
    `SELECT i.relname AS name,
            coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(x.indexrelid)) AS definition,
            c.oid IS NOT NULL AS constraint
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype = 'u'
      WHERE x.indrelid = 'analytics_events'::regclass AND NOT x.indisprimary`,
  );
  return rows;
}

/**
 * Loads N events over the last 365 days in SQL (`generate_series`), with the demo data's status
 * mix (as the demo data: failed when i mod 17 = 0, else pending when i mod 11 = 0, else success),
 * 10,000 entities and `sourceCount(N)` sources. Times (to the second) and entities come from
 * two independent seeded hashes of i (PostgreSQL's `hashint8extended`), so they are spread
 * evenly, independent of each other, of source and of status, and the same on every run.
 * Indexes are dropped for the bulk insert and rebuilt after it (the usual bulk-load practice).
 */
export async function loadEvents(
  url: string,
  events: number,
  now: Date,
  log: (message: string) => void,
): Promise<LoadedData> {
  const lastDay = formatDay(now);
  const firstDay = addDays(lastDay, -(BENCH_DAYS - 1));
  const sources = sourceCount(events);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    await client.query(
      `INSERT INTO event_sources (slug, provider_name, description)
       SELECT 'bench-source-' || n, 'Bench Source ' || n, 'Synthetic source for benchmarks'
         FROM generate_series($1::int, $2::int) AS n
       ON CONFLICT (slug) DO NOTHING`,
      [BASE_SOURCES.length + 1, sources],
    );
    const indexes = await eventIndexes(client);
    for (const index of indexes) {
      await client.query(
        index.constraint
          ? `ALTER TABLE analytics_events DROP CONSTRAINT "${index.name}"`
          : `DROP INDEX "${index.name}"`,
      );
    }
    for (let from = 1; from <= events; from += CHUNK) {
      const to = Math.min(events, from + CHUNK - 1);
      await client.query(
        `WITH src AS (SELECT array_agg(id ORDER BY id) AS ids FROM event_sources)
         INSERT INTO analytics_events
           (source_id, external_ref, entity_id, status, processing_ms, amount_cents, occurred_at, payload)
         SELECT src.ids[i % cardinality(src.ids) + 1],
                'bench-' || i,
                'entity-' || ((hashint8extended(i, 1) & ${POSITIVE}) % $4 + 1),
                CASE WHEN i % 17 = 0 THEN 'failed' WHEN i % 11 = 0 THEN 'pending' ELSE 'success' END,
                80 + i % 700,
                100 + (i * 37) % 100000,
                $3::timestamptz + make_interval(secs => (hashint8extended(i, 2) & ${POSITIVE}) % $5),
                jsonb_build_object(
                  'region', (ARRAY['us-east', 'eu-west', 'ap-south'])[i % 3 + 1],
                  'batch', i / 100,
                  'provider_rank', i % 5)
           FROM generate_series($1::bigint, $2::bigint) AS i, src`,
        [from, to, `${firstDay}T00:00:00Z`, BENCH_ENTITIES, BENCH_DAYS * 86_400],
      );
      log(`  ${to.toLocaleString('en-US')} / ${events.toLocaleString('en-US')} events`);
    }
    const indexStarted = performance.now();
    for (const index of indexes) {
      await client.query(
        index.constraint
          ? `ALTER TABLE analytics_events ADD CONSTRAINT "${index.name}" ${index.definition}`
          : index.definition,
      );
    }
    const vacuumStarted = performance.now();
    await client.query('VACUUM (ANALYZE) analytics_events');
    await client.query('VACUUM (ANALYZE) event_sources');
    const finished = performance.now();
    return {
      events,
      sources,
      entities: BENCH_ENTITIES,
      firstDay,
      lastDay,
      load_ms: Math.round(finished - started),
      index_ms: Math.round(vacuumStarted - indexStarted),
      vacuum_ms: Math.round(finished - vacuumStarted),
    };
  } finally {
    await client.end();
  }
}
