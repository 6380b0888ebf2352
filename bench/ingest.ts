import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { checkEvent, type NewEvent } from '../src/events/event-rules.js';
import { EventsRepository } from '../src/events/events.repository.js';
import { ImportRepository } from '../src/events/import/import.repository.js';
import { withClient } from './database.js';
import { processMemory, RssSampler } from './memory.js';
import { ratio } from './stats.js';

/** The compiled importer, next to this compiled file (dist/bench). */
const IMPORT_MAIN = fileURLToPath(new URL('../src/cli/import.js', import.meta.url));
/** The Node flags `npm run import` runs the importer with (its heap bounds), from package.json. */
const IMPORT_FLAGS =
  /node((?: --[^ ]+)*) dist\/src\/cli\/import\.js/
    .exec(packageJson.scripts.import)?.[1]
    .trim()
    .split(' ') ?? [];

const SOURCES = ['stripe', 'adyen', 'paypal'];
const STATUSES = ['success', 'failed', 'pending'];
const DAY_MS = 86_400_000;
export const API_BATCH = 1000;
export const API_CONNECTIONS = 8;

export interface IngestResult {
  events: number;
  /** One COPY of every row into analytics_events (indexes, triggers and all), ms. */
  copy_ms: number;
  copy_events_per_s: number;
  api: {
    batch: number;
    connections: number;
    ms: number;
    events_per_s: number;
    /** API events/s ÷ COPY events/s. */
    ratio: number | null;
  };
  import: {
    ms: number;
    events_per_s: number;
    /** Import events/s ÷ COPY events/s. */
    ratio: number | null;
    /** Peak RSS of the importer process, sampled every 100 ms, MB. */
    rss_peak_mb: number | null;
    file_mb: number;
  };
  /** Where the time of one event goes, in the service's own code (µs per event). */
  per_event_us: { json_parse: number; validate: number; json_stringify: number };
  /**
   * One 1000-event batch through each insert path, one connection, median ms; `spread`: the
   * unnest path with a batch spanning the whole year (365 days to mark dirty, not one or two).
   */
  insert_path_ms: { unnest: number; copy_staging: number; unnest_spread: number };
}

interface BenchEvent {
  external_ref: string;
  source: string;
  entity_id: string;
  status: string;
  processing_ms: number;
  amount_cents: number;
  occurred_at: string;
  payload: Record<string, unknown>;
}

const YEAR_MS = 365 * DAY_MS;

/**
 * Event `i` of `count`, as the API takes it; the same rows for every side. The events arrive in
 * time order over the year before `now`, as a producer sends them (or a backfill replays them),
 * so a batch covers a day or two: each UTC day a batch touches costs one dirty mark per report
 * and window (`spread` makes batches span the whole year instead, to measure that cost).
 */
function benchEvent(i: number, count: number, now: number, spread = false): BenchEvent {
  const position = spread ? ((i * 7919) % count) / count : i / count;
  return {
    external_ref: `ingest-${i}`,
    source: SOURCES[i % 3],
    entity_id: `entity-${i % 10_000}`,
    status: STATUSES[i % 17 === 0 ? 1 : i % 11 === 0 ? 2 : 0],
    processing_ms: 80 + (i % 700),
    amount_cents: 100 + ((i * 37) % 100_000),
    occurred_at: new Date(now - YEAR_MS + position * YEAR_MS).toISOString(),
    payload: { region: ['us-east', 'eu-west', 'ap-south'][i % 3], batch: Math.floor(i / 100) },
  };
}

/** Empties the table (indexes too), so every side starts from the same state. */
async function reset(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('TRUNCATE analytics_events, snapshot_dirty_days');
    await client.query('CHECKPOINT').catch(() => undefined); // needs a privileged role
  });
}

async function count(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM analytics_events');
    return rows[0].n;
  });
}

const escape = (text: string) =>
  text.replace(/[\\\t\n\r]/g, (c) => `\\${{ '\\': '\\', '\t': 't', '\n': 'n', '\r': 'r' }[c]}`);

/** The limit: one COPY of the rows straight into analytics_events. */
async function copyAll(url: string, events: number, now: number): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string; slug: string }>(
      'SELECT id, slug FROM event_sources',
    );
    const ids = new Map(rows.map((row) => [row.slug, row.id]));
    const started = performance.now();
    const stream = client.query(
      copyFrom(
        `COPY analytics_events (source_id, external_ref, entity_id, status, processing_ms,
                                amount_cents, occurred_at, payload) FROM STDIN`,
      ),
    );
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let piece = '';
    for (let i = 1; i <= events; i += 1) {
      const e = benchEvent(i, events, now);
      piece +=
        `${ids.get(e.source)}\t${e.external_ref}\t${e.entity_id}\t${e.status}\t` +
        `${e.processing_ms}\t${e.amount_cents}\t${e.occurred_at}\t${escape(JSON.stringify(e.payload))}\n`;
      if (piece.length >= 65_536 || i === events) {
        if (!stream.write(piece)) await new Promise((resolve) => stream.once('drain', resolve));
        piece = '';
      }
    }
    stream.end();
    await done;
    return performance.now() - started;
  });
}

/** `POST /events` with batches of API_BATCH over API_CONNECTIONS concurrent connections. */
async function apiAll(serviceUrl: string, ingestKey: string, events: number, now: number) {
  const batches = Math.ceil(events / API_BATCH);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const first = batch * API_BATCH + 1;
      const last = Math.min(events, first + API_BATCH - 1);
      const body = JSON.stringify({
        events: Array.from({ length: last - first + 1 }, (_, k) =>
          benchEvent(first + k, events, now),
        ),
      });
      const response = await fetch(`${serviceUrl}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ingest-key': ingestKey },
        body,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST /events → ${response.status}: ${text.slice(0, 500)}`);
    }
  };
  await Promise.all(Array.from({ length: API_CONNECTIONS }, worker));
  return performance.now() - started;
}

/** `npm run import` of an NDJSON file holding the rows, with the importer's peak RSS. */
async function importAll(url: string, events: number, now: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'tally-bench-import-'));
  const file = path.join(dir, 'events.ndjson');
  try {
    const out = createWriteStream(file);
    let bytes = 0;
    let piece = '';
    for (let i = 1; i <= events; i += 1) {
      piece += `${JSON.stringify(benchEvent(i, events, now))}\n`;
      if (piece.length >= 1 << 20 || i === events) {
        bytes += piece.length;
        if (!out.write(piece))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        piece = '';
      }
    }
    await new Promise((resolve) => out.end(resolve));
    const started = performance.now();
    const child = spawn(process.execPath, [...IMPORT_FLAGS, IMPORT_MAIN, file], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const sampler = new RssSampler(child.pid!);
    let hwm: number | undefined;
    const hwmTimer = setInterval(() => {
      hwm = processMemory(child.pid!)?.hwm_mb ?? hwm;
    }, 100);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(hwmTimer);
    const ms = performance.now() - started;
    const peak = sampler.stop();
    if (code !== 0) throw new Error(`npm run import exited ${code}:\n${output}`);
    const rss = Math.max(peak ?? 0, hwm ?? 0) || null;
    return { ms, rss, fileMb: Math.round((bytes / (1 << 20)) * 10) / 10 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** µs per event of the service's own per-event work: parse, validate, serialize. */
function perEventCosts(now: number): IngestResult['per_event_us'] {
  const events = Array.from({ length: 20_000 }, (_, i) => benchEvent(i + 1, 20_000, now));
  const body = JSON.stringify({ events });
  const time = (work: () => void) => {
    work(); // warm up
    const started = performance.now();
    for (let i = 0; i < 5; i += 1) work();
    return round(((performance.now() - started) / 5 / events.length) * 1000);
  };
  const active = (slug: string) => SOURCES.includes(slug);
  const checked: NewEvent[] = [];
  return {
    json_parse: time(() => JSON.parse(body)),
    validate: time(() => {
      checked.length = 0;
      for (const event of events) {
        const result = checkEvent(event, 'events[0]', now, active);
        if ('event' in result) checked.push(result.event);
      }
    }),
    json_stringify: time(() => JSON.stringify({ events })),
  };
}

/**
 * One 1000-event batch through each insert path, on one connection, with the service's own
 * statements: `unnest` arrays (what POST /events runs) and COPY into a staging table followed
 * by INSERT … SELECT (what npm run import runs); and the unnest path again for a batch spread
 * over the whole year.
 */
async function insertPaths(url: string, now: number): Promise<IngestResult['insert_path_ms']> {
  const rounds = 20;
  const count = rounds * API_BATCH;
  const batch = (round: number, side: string, spread = false): NewEvent[] =>
    Array.from({ length: API_BATCH }, (_, k) => {
      const checked = checkEvent(
        benchEvent(round * API_BATCH + k + 1, count, now, spread),
        '',
        now,
        () => true,
      );
      if (!('event' in checked)) throw new Error(JSON.stringify(checked.problems));
      return { ...checked.event, externalRef: `${side}-${checked.event.externalRef}` };
    });
  const timed: Record<keyof IngestResult['insert_path_ms'], number[]> = {
    unnest: [],
    copy_staging: [],
    unnest_spread: [],
  };
  const dataSource = new DataSource({ ...dataSourceOptions(url, 2), logging: ['error'] });
  await dataSource.initialize();
  const events = new EventsRepository(dataSource);
  const session = await new ImportRepository(dataSource).open();
  const time = async (into: number[], work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    into.push(performance.now() - started);
  };
  try {
    for (let r = 0; r < rounds; r += 1) {
      const viaUnnest = batch(r, 'unnest');
      await time(timed.unnest, () => events.insertNew(dataSource.manager, viaUnnest));
      const viaCopy = batch(r, 'staged').map((event, i) => ({ line: i + 1, event }));
      await time(timed.copy_staging, () => session.merge(viaCopy));
      const spread = batch(r, 'spread', true);
      await time(timed.unnest_spread, () => events.insertNew(dataSource.manager, spread));
    }
  } finally {
    await session.close();
    await dataSource.destroy();
  }
  const med = (values: number[]) => round(values.sort((x, y) => x - y)[values.length >> 1]);
  return {
    unnest: med(timed.unnest),
    copy_staging: med(timed.copy_staging),
    unnest_spread: med(timed.unnest_spread),
  };
}

/**
 * The ingestion phase: the same rows through a direct COPY (the limit), through `POST /events`
 * and through `npm run import`, each into an empty analytics_events.
 */
export async function ingestPhase(
  url: string,
  service: { url: string; ingestKey: string },
  events: number,
  log: (message: string) => void,
): Promise<IngestResult> {
  const now = Date.now() - DAY_MS; // every event in the past, whatever the run's length
  const perEvent = perEventCosts(now);
  log(
    `  per event: JSON.parse ${perEvent.json_parse} µs, validation ${perEvent.validate} µs, ` +
      `JSON.stringify ${perEvent.json_stringify} µs`,
  );
  await reset(url);
  const paths = await insertPaths(url, now);
  log(
    `  one 1000-event batch: unnest ${paths.unnest} ms, COPY + staging ${paths.copy_staging} ms, ` +
      `unnest spread over a year ${paths.unnest_spread} ms`,
  );

  await reset(url);
  const copyMs = await copyAll(url, events, now);
  const copied = await count(url);
  log(`  COPY: ${events.toLocaleString('en-US')} events in ${(copyMs / 1000).toFixed(1)} s`);

  await reset(url);
  const apiMs = await apiAll(service.url, service.ingestKey, events, now);
  const viaApi = await count(url);
  log(`  POST /events: ${(apiMs / 1000).toFixed(1)} s`);

  await reset(url);
  const imported = await importAll(url, events, now);
  const viaImport = await count(url);
  log(`  npm run import: ${(imported.ms / 1000).toFixed(1)} s, peak RSS ${imported.rss} MB`);
  for (const [side, stored] of [
    ['COPY', copied],
    ['API', viaApi],
    ['import', viaImport],
  ] as const) {
    if (stored !== events) throw new Error(`${side} stored ${stored} of ${events} events`);
  }
  const rate = (ms: number) => Math.round(events / (ms / 1000));
  return {
    events,
    copy_ms: Math.round(copyMs),
    copy_events_per_s: rate(copyMs),
    api: {
      batch: API_BATCH,
      connections: API_CONNECTIONS,
      ms: Math.round(apiMs),
      events_per_s: rate(apiMs),
      ratio: ratio(rate(apiMs), rate(copyMs)),
    },
    import: {
      ms: Math.round(imported.ms),
      events_per_s: rate(imported.ms),
      ratio: ratio(rate(imported.ms), rate(copyMs)),
      rss_peak_mb: imported.rss,
      file_mb: imported.fileMb,
    },
    per_event_us: perEvent,
    insert_path_ms: paths,
  };
}
