import { spawn } from 'node:child_process';
import { chmod, link, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useTestDatabase } from '../support/context.js';
import { eventCount, newEvent, storedEvents, type ApiEvent } from '../support/events.js';

const CLI = 'dist/src/cli/import.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run import', () => {
  const ctx = useTestDatabase('migrated');
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tally-import-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the built importer against the test database, feeding `stdin` when given. */
  function run(args: string[], stdin?: string, env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...process.env, DATABASE_URL: ctx.db.url, NODE_ENV: 'test', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });
  }

  async function file(name: string, content: string): Promise<string> {
    const target = path.join(dir, name);
    await writeFile(target, content);
    return target;
  }

  const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const summary = (counts: Record<string, number>) =>
    new RegExp(
      `^read ${counts.read} · accepted ${counts.accepted} · duplicates ${counts.duplicates} · ` +
        `conflicts ${counts.conflicts} · rejected ${counts.rejected} \\(`,
    );

  async function lastAudit() {
    const { rows } = await ctx.db.sql.query(
      `SELECT actor, metadata FROM audit_entries WHERE action = 'events.imported'
        ORDER BY id DESC LIMIT 1`,
    );
    return rows[0];
  }

  it('loads an NDJSON file exactly as the API would store it, with one audit entry', async () => {
    const events = Array.from({ length: 250 }, (_, i) =>
      newEvent(i, {
        external_ref: `nd-${String(i).padStart(3, '0')}`,
        payload: { i, t: 'a\tb\\c"d' },
      }),
    );
    const input = await file('events.ndjson', ndjson(events));
    const result = await run([input, '--chunk-size', '100', '--actor', 'backfill@ops']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      summary({ read: 250, accepted: 250, duplicates: 0, conflicts: 0, rejected: 0 }),
    );
    expect(await storedEvents(ctx.db.sql, 'nd-')).toEqual(events);
    expect(await lastAudit()).toEqual({
      actor: 'backfill@ops',
      metadata: {
        input: 'events.ndjson',
        read: 250,
        accepted: 250,
        duplicates: 0,
        conflicts: 0,
        rejected: 0,
      },
    });
  });

  it('skips invalid lines, naming each by line number, writes them out, and exits 2', async () => {
    const good = (i: number) => JSON.stringify(newEvent(i, { external_ref: `rej-${i}` }));
    const lines = [
      good(1),
      '{"external_ref": "rej-2"', // not JSON
      '',
      JSON.stringify(newEvent(3, { external_ref: 'rej-3', amount_cents: -5 })),
      JSON.stringify([1, 2]),
      good(6),
      JSON.stringify(newEvent(7, { external_ref: 'rej-7', source: 'nope', colour: 'red' })),
    ];
    const input = await file('mixed.ndjson', lines.join('\r\n'));
    const rejects = path.join(dir, 'rejects.ndjson');
    const result = await run([input, '--reject-file', rejects]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      summary({ read: 6, accepted: 2, duplicates: 0, conflicts: 0, rejected: 4 }),
    );
    expect(result.stderr.trim().split('\n')).toEqual([
      'line 2: the line is not valid JSON',
      'line 4: amount_cents must be between 0 and 2147483647',
      'line 5: an event must be a JSON object',
      expect.stringMatching(
        /^line 7: colour is not a known field .*; source must be the slug of an active event source/,
      ),
    ]);
    expect(await readFile(rejects, 'utf8')).toBe(
      [lines[1], lines[3], lines[4], lines[6]].join('\n') + '\n',
    );
    expect((await storedEvents(ctx.db.sql, 'rej-')).map((e) => e.external_ref)).toEqual([
      'rej-1',
      'rej-6',
    ]);
  });

  it('is idempotent: duplicates and conflicts are counted, stored events never change', async () => {
    const base = Array.from({ length: 30 }, (_, i) => newEvent(i, { external_ref: `idem-${i}` }));
    await run([await file('base.ndjson', ndjson(base))]);
    const before = await storedEvents(ctx.db.sql, 'idem-');
    const again = [
      ...base.slice(0, 20), // 20 duplicates
      { ...base[20], amount_cents: 1 }, // a conflict with the stored event
      newEvent(100, { external_ref: 'idem-new' }),
      newEvent(100, { external_ref: 'idem-new' }), // read twice: a duplicate
      newEvent(101, { external_ref: 'idem-new', status: 'failed' }), // read before with other content
    ];
    const result = await run([await file('again.ndjson', ndjson(again)), '--chunk-size', '7']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      summary({ read: 24, accepted: 1, duplicates: 21, conflicts: 2, rejected: 0 }),
    );
    expect(result.stderr).toContain('line 21: external_ref idem-20 is stored with other content');
    expect(result.stderr).toContain('line 24: external_ref idem-new is stored with other content');
    const after = await storedEvents(ctx.db.sql, 'idem-');
    expect(after.filter((e) => e.external_ref !== 'idem-new')).toEqual(before);
    expect(after.find((e) => e.external_ref === 'idem-new')).toEqual(
      newEvent(100, { external_ref: 'idem-new' }),
    );
  });

  it('stores a chunk whose last ref is stored already whole, through the staging table', async () => {
    // The chunk's COPY straight into analytics_events fails at its last line and stores nothing;
    // the chunk is then merged: its new events stored, the stored one a duplicate.
    const events = Array.from({ length: 10 }, (_, i) => newEvent(i, { external_ref: `late-${i}` }));
    await run([await file('late-last.ndjson', ndjson(events.slice(9)))]);
    const result = await run([await file('late.ndjson', ndjson(events)), '--chunk-size', '10']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      summary({ read: 10, accepted: 9, duplicates: 1, conflicts: 0, rejected: 0 }),
    );
    expect(await storedEvents(ctx.db.sql, 'late-')).toEqual(events); // late-0 … late-9, in ref order
  });

  it('loads CSV with a header row and a JSON payload column, from stdin', async () => {
    const header =
      'external_ref,source,entity_id,status,processing_ms,amount_cents,occurred_at,payload';
    const csv = [
      header,
      'csv-1,stripe,"entity, with comma",success,10,100,2026-06-01T10:00:00Z,"{""a"": ""x,y""}"',
      'csv-2,adyen,e2,failed,1.5,100,2026-06-01T10:00:00Z,',
      'csv-3,paypal,e3,pending,20,200,2026-06-01T12:00:00+02:00,',
      'csv-4,paypal,e3',
    ].join('\n');
    const rejects = path.join(dir, 'rejects.csv');
    const result = await run(['-', '--format', 'csv', '--reject-file', rejects], csv);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      summary({ read: 4, accepted: 2, duplicates: 0, conflicts: 0, rejected: 2 }),
    );
    expect(result.stderr.trim().split('\n')).toEqual([
      'line 3: processing_ms must be an integer',
      'line 5: the line has 3 columns; the header has 8',
    ]);
    expect(await readFile(rejects, 'utf8')).toBe(
      `${header}\ncsv-2,adyen,e2,failed,1.5,100,2026-06-01T10:00:00Z,\ncsv-4,paypal,e3\n`,
    );
    const stored: ApiEvent[] = await storedEvents(ctx.db.sql, 'csv-');
    expect(stored).toEqual([
      {
        external_ref: 'csv-1',
        source: 'stripe',
        entity_id: 'entity, with comma',
        status: 'success',
        processing_ms: 10,
        amount_cents: 100,
        occurred_at: '2026-06-01T10:00:00.000Z',
        payload: { a: 'x,y' },
      },
      {
        external_ref: 'csv-3',
        source: 'paypal',
        entity_id: 'e3',
        status: 'pending',
        processing_ms: 20,
        amount_cents: 200,
        occurred_at: '2026-06-01T10:00:00.000Z',
        payload: {},
      },
    ]);
  });

  it('skips a UTF-8 byte order mark at the start of NDJSON and CSV files', async () => {
    const bom = '\uFEFF';
    const event = (ref: string) => newEvent(1, { external_ref: ref });
    const ndjsonFile = await file('bom.ndjson', bom + ndjson([event('bom-1'), event('bom-2')]));
    const viaNdjson = await run([ndjsonFile]);
    expect(viaNdjson.stderr).toBe('');
    expect(viaNdjson.stdout).toMatch(
      summary({ read: 2, accepted: 2, duplicates: 0, conflicts: 0, rejected: 0 }),
    );
    const csv =
      `${bom}external_ref,source,entity_id,status,processing_ms,amount_cents,occurred_at\r\n` +
      'bom-3,stripe,e,success,1,1,2026-06-01T10:00:00Z\r\n';
    const viaCsv = await run([await file('bom.csv', csv)]);
    expect(viaCsv.code).toBe(0);
    expect((await storedEvents(ctx.db.sql, 'bom-')).map((e) => e.external_ref)).toEqual([
      'bom-1',
      'bom-2',
      'bom-3',
    ]);
  });

  it('stores two concurrent imports of the same refs in opposite orders exactly once', async () => {
    // Opposite orders are what can deadlock; the chunk PostgreSQL aborts is stored again.
    const events = Array.from({ length: 3000 }, (_, i) =>
      newEvent(i, { external_ref: `both-${i}` }),
    );
    const forward = await file('forward.ndjson', ndjson(events));
    const backward = await file('backward.ndjson', ndjson([...events].reverse()));
    const [a, b] = await Promise.all([run([forward]), run([backward])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const counts = (output: string) => {
      const match = /accepted (\d+) · duplicates (\d+)/.exec(output.replaceAll(',', ''));
      return { accepted: Number(match?.[1]), duplicates: Number(match?.[2]) };
    };
    const [ca, cb] = [counts(a.stdout), counts(b.stdout)];
    expect(ca.accepted + cb.accepted).toBe(3000);
    expect(ca.duplicates + cb.duplicates).toBe(3000);
    expect(await storedEvents(ctx.db.sql, 'both-')).toHaveLength(3000);
  });

  it.each([
    ['no input', [], /give exactly one input/],
    ['two inputs', ['a', 'b'], /give exactly one input/],
    ['an unknown option', ['x.ndjson', '--fast'], /Unknown option '--fast'/],
    ['a bad format', ['x.ndjson', '--format', 'xml'], /--format must be ndjson or csv/],
    ['a bad chunk size', ['x.ndjson', '--chunk-size', '0'], /--chunk-size must be an integer/],
    ['a missing file', ['/no/such/file.ndjson'], /cannot read \/no\/such\/file\.ndjson/],
    ['a blank reject file', ['x.ndjson', '--reject-file', ' '], /--reject-file must name a file/],
  ])('exits 1 with a clear message for %s', async (_name, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  async function auditCount(): Promise<number> {
    const { rows } = await ctx.db.sql.query('SELECT count(*)::int AS n FROM audit_entries');
    return rows[0].n;
  }

  it.each([
    ['in a missing directory', () => '/nonexistent/dir/x', 'no such file or directory'],
    ['that is a directory', () => dir, 'it is a directory'],
  ])(
    'exits 1 with one line, before anything is stored, for a reject file %s',
    async (_name, target, why) => {
      const events = [newEvent(1, { external_ref: 'unw-1' }), { external_ref: 'unw-2' }];
      const input = await file('unwritable.ndjson', ndjson(events));
      const [eventsBefore, auditBefore] = [await eventCount(ctx.db.sql), await auditCount()];
      const result = await run([input, '--reject-file', target()]);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `cannot write the reject file ${target()}: ${why}\n`,
      });
      expect(await eventCount(ctx.db.sql)).toBe(eventsBefore);
      expect(await auditCount()).toBe(auditBefore);
    },
  );

  it('refuses the input file as its own reject file, which stays as it was', async () => {
    const text = ndjson([newEvent(1, { external_ref: 'self-1' })]);
    const input = await file('self.ndjson', text);
    const hardLink = `${input}.link`;
    await link(input, hardLink);
    for (const rejects of [input, hardLink]) {
      const result = await run([input, '--reject-file', rejects]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--reject-file must not be the input file/);
    }
    expect(await readFile(input, 'utf8')).toBe(text);
    expect(await storedEvents(ctx.db.sql, 'self-')).toEqual([]);
  });

  it('ends with exit 1 and one line when the reject file cannot be written part-way', async () => {
    // /dev/full accepts the open and fails every write (ENOSPC), like a full disk.
    const events = Array.from({ length: 2000 }, (_, i) =>
      newEvent(i, { external_ref: `full-${String(i).padStart(4, '0')}` }),
    );
    const lines = events.map((e, i) => (i % 100 === 50 ? '{"bad"' : JSON.stringify(e)));
    const input = await file('full.ndjson', lines.join('\n'));
    const auditBefore = await auditCount();
    const result = await run([input, '--reject-file', '/dev/full', '--chunk-size', '100']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const stderr = result.stderr.trim().split('\n');
    expect(stderr.at(-1)).toBe(
      'import failed: cannot write the reject file /dev/full: no space left on device',
    );
    for (const line of stderr.slice(0, -1))
      expect(line).toMatch(/^line \d+: the line is not valid JSON$/);
    // Whole chunks committed before the failure stay, in file order; nothing is audited.
    const stored = await storedEvents(ctx.db.sql, 'full-');
    const valid = events.filter((_, i) => i % 100 !== 50);
    expect(stored.length % 100).toBe(0);
    expect(stored).toEqual(valid.slice(0, stored.length));
    expect(await auditCount()).toBe(auditBefore);
  });

  it('fails, with no audit entry, when the last rejected line cannot be written', async () => {
    // Everything is stored by then; the import is not reported as done.
    const events = [
      newEvent(1, { external_ref: 'last-1' }),
      newEvent(2, { external_ref: 'last-2' }),
    ];
    const input = await file(
      'last.ndjson',
      [...events.map((e) => JSON.stringify(e)), '['].join('\n'),
    );
    const auditBefore = await auditCount();
    const result = await run([input, '--reject-file', '/dev/full']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'line 3: the line is not valid JSON\n' +
        'import failed: cannot write the reject file /dev/full: no space left on device\n',
    });
    expect(await storedEvents(ctx.db.sql, 'last-')).toEqual(events);
    expect(await auditCount()).toBe(auditBefore);
  });

  it('exits 1 for a CSV header that does not name the event fields', async () => {
    const result = await run(['-', '--format', 'csv'], 'a,b\n1,2\n');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^the CSV header must name the event fields .*unknown: a, b; missing: external_ref/,
    );
  });

  it('loads into the embedded database when DATABASE_URL is not set', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'tally-import-pg-'));
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach the directory.
    await chmod(parent, 0o755);
    const env = { DATABASE_URL: '', EMBEDDED_PG_DIR: path.join(parent, 'pg') };
    try {
      const events = Array.from({ length: 20 }, (_, i) =>
        newEvent(i, { external_ref: `emb-${i}` }),
      );
      const input = await file('embedded.ndjson', ndjson(events));
      const first = await run([input], undefined, env);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        summary({ read: 20, accepted: 20, duplicates: 0, conflicts: 0, rejected: 0 }),
      );
      // The data stayed in the embedded database: the same file again is all duplicates.
      const second = await run([input], undefined, env);
      expect(second.stdout).toMatch(
        summary({ read: 20, accepted: 0, duplicates: 20, conflicts: 0, rejected: 0 }),
      );
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
