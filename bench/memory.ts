import { readFileSync } from 'node:fs';
import pg from 'pg';

const MB = 1024 * 1024;

export interface ProcessMemory {
  /** Resident set size now, MB. */
  rss_mb: number;
  /** The kernel's high-water mark of the resident set (VmHWM), MB. */
  hwm_mb: number;
}

/** VmRSS and VmHWM of a Linux process; undefined elsewhere or once it is gone. */
export function processMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  if (!Number.isFinite(rss)) return undefined;
  const round = (value: number) => Math.round((value * 1024 * 10) / MB) / 10;
  return { rss_mb: round(rss), hwm_mb: round(Number.isFinite(hwm) ? hwm : rss) };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time (user + system) a Linux process has used so far, ms (10 ms resolution); undefined
 * elsewhere or once it is gone.
 */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces, inside parentheses): state is 3rd,
  // utime the 14th and stime the 15th field of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

/** How often RssSampler reads a process's memory. */
const SAMPLE_MS = 100;

/** Samples a process's RSS every SAMPLE_MS while load runs; `stop()` returns the peak. */
export class RssSampler {
  private peak = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample(): void {
    const memory = processMemory(this.pid);
    if (!memory) return;
    this.samples += 1;
    this.peak = Math.max(this.peak, memory.rss_mb);
  }

  /** Peak sampled RSS in MB (undefined when /proc is not available). */
  stop(): number | undefined {
    clearInterval(this.timer);
    this.sample();
    return this.samples > 0 ? this.peak : undefined;
  }
}

export interface TableSize {
  rows: number;
  /** pg_total_relation_size: heap + indexes + TOAST, MB. */
  total_mb: number;
  heap_mb: number;
  indexes_mb: number;
}

export async function tableSizes(
  url: string,
  tables: string[],
): Promise<Record<string, TableSize>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sizes: Record<string, TableSize> = {};
    for (const table of tables) {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM ${client.escapeIdentifier(table)})::float8 AS rows,
                pg_total_relation_size($1::regclass)::float8 / ${MB} AS total_mb,
                pg_relation_size($1::regclass)::float8 / ${MB} AS heap_mb,
                pg_indexes_size($1::regclass)::float8 / ${MB} AS indexes_mb`,
        [table],
      );
      const row = rows[0] as Record<keyof TableSize, number>;
      const mb = (value: number) => Math.round(value * 10) / 10;
      sizes[table] = {
        rows: row.rows,
        total_mb: mb(row.total_mb),
        heap_mb: mb(row.heap_mb),
        indexes_mb: mb(row.indexes_mb),
      };
    }
    return sizes;
  } finally {
    await client.end();
  }
}
