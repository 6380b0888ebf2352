import 'reflect-metadata';
import { createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { integerProblem, parseInteger } from '../common/input-rules.js';
import { ConfigError, loadConfig } from '../config/app.config.js';
import { EventImporter, type ImportSummary } from '../events/import/event-importer.js';
import { InputError, readRecords, type InputFormat } from '../events/import/import-input.js';
import { ImportModule } from '../events/import/import.module.js';
import { loadOperationsConfig } from '../config/operations.config.js';
import { createLogger, PinoNestLogger } from '../logging/logger.js';
import { RejectFile } from './reject-file.js';

const USAGE = `usage: npm run import -- <file | -> [--format ndjson|csv] [--reject-file FILE]
                                  [--actor NAME] [--chunk-size N]

Loads events from NDJSON (one event per line) or CSV (a header row naming the fields; payload
as a JSON column). Invalid lines are reported with their line number and skipped.
--chunk-size: events stored per transaction (default 10000).
Exit code: 0 nothing rejected, 2 some lines rejected, 1 failure.`;

/** A failure of the command line itself: printed with the usage, exit 1. */
class UsageError extends Error {}

interface Args {
  input: string;
  format: InputFormat;
  rejectFile?: string;
  actor: string;
  chunkSize?: number;
}

function parse(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'reject-file': { type: 'string' },
        actor: { type: 'string' },
        'chunk-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1)
    throw new UsageError('give exactly one input: a file, or - for stdin');
  const input = positionals[0];
  const format = values.format ?? (input.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
  if (format !== 'ndjson' && format !== 'csv')
    throw new UsageError('--format must be ndjson or csv');
  const actor = (values.actor ?? 'import-cli').trim();
  if (actor === '' || actor.length > 200) throw new UsageError('--actor must be 1–200 characters');
  const chunk = values['chunk-size'];
  const chunkSize = chunk === undefined ? undefined : parseInteger(chunk);
  if (chunk !== undefined && integerProblem('--chunk-size', chunkSize, 1, 9_999_999)) {
    throw new UsageError('--chunk-size must be an integer between 1 and 9999999');
  }
  const rejectFile = values['reject-file'];
  if (rejectFile?.trim() === '') throw new UsageError('--reject-file must name a file');
  return { input, format, rejectFile, actor, chunkSize };
}

const number = (n: number) => n.toLocaleString('en-US');

function summaryLine(summary: ImportSummary, seconds: number): string {
  return (
    `read ${number(summary.read)} · accepted ${number(summary.accepted)} · ` +
    `duplicates ${number(summary.duplicates)} · conflicts ${number(summary.conflicts)} · ` +
    `rejected ${number(summary.rejected)} (${seconds.toFixed(1)} s, ` +
    `${number(Math.round(summary.read / Math.max(seconds, 0.001)))} lines/s)`
  );
}

/**
 * Whether the two paths name one existing file, whatever the links (so writing one would empty
 * the other).
 */
async function sameFile(input: string, other: string): Promise<boolean> {
  if (input === '-') return false;
  const [a, b] = await Promise.all([stat(input), stat(other).catch(() => undefined)]);
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

async function main(args: Args): Promise<number> {
  if (args.input !== '-') {
    await access(args.input).catch(() => {
      throw new UsageError(`cannot read ${args.input}: no such file, or not readable`);
    });
  }
  if (args.rejectFile && (await sameFile(args.input, args.rejectFile))) {
    throw new UsageError('--reject-file must not be the input file (it would be emptied)');
  }
  // Opened up front: a reject file that cannot be written is a bad argument, before anything is
  // read or stored.
  const rejects = args.rejectFile
    ? await RejectFile.open(args.rejectFile).catch((error: Error) => {
        throw new UsageError(error.message);
      })
    : undefined;
  let header: string | undefined;
  const started = performance.now();
  let lastProgress = 0;
  const tty = process.stderr.isTTY;

  // Warnings and errors go to stderr: stdout carries the summary.
  const { logFormat } = loadOperationsConfig(process.env);
  const logger = createLogger({ level: 'warn', format: logFormat, toStderr: true });
  const app = await NestFactory.createApplicationContext(ImportModule, {
    // A failed start is reported once, below (the logger drops Nest's own report).
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  try {
    const input = args.input === '-' ? process.stdin : createReadStream(args.input);
    // A write error stops the reading: the import ends with it, like a read error (the chunks
    // committed by then stay; no audit entry).
    rejects?.onError((error) => input.destroy(error));
    const summary = await app.get(EventImporter).run(
      readRecords(input, args.format),
      {
        header: (text) => (header = text),
        rejected: async (record, problems) => {
          process.stderr.write(`line ${record.line}: ${problems.join('; ')}\n`);
          if (!rejects) return;
          if (header !== undefined) {
            await rejects.write(header);
            header = undefined;
          }
          await rejects.write(record.text);
        },
        // Every rejected line is on disk before the import is reported as done.
        finish: () => rejects?.close(),
        conflict: (line, ref) =>
          process.stderr.write(
            `line ${line}: external_ref ${ref} is stored with other content (conflict: not changed)\n`,
          ),
        progress: (sofar) => {
          const now = performance.now();
          if (!tty || now - lastProgress < 500) return;
          lastProgress = now;
          const rate = Math.round(sofar.read / ((now - started) / 1000));
          process.stderr.write(`\rread ${number(sofar.read)} lines · ${number(rate)} events/s   `);
        },
      },
      {
        actor: args.actor,
        input: args.input === '-' ? 'stdin' : path.basename(args.input),
        chunkEvents: args.chunkSize,
      },
    );
    if (tty) process.stderr.write('\r\x1b[K');
    console.log(summaryLine(summary, (performance.now() - started) / 1000));
    return summary.rejected > 0 ? 2 : 0;
  } finally {
    await app.close();
    // After a failure, keep what was written; an error closing the file is not the first one.
    await rejects?.close().catch(() => undefined);
  }
}

let args: Args;
try {
  args = parse(process.argv.slice(2));
  loadConfig(process.env); // a bad environment is one clear line, before anything starts
} catch (error) {
  if (error instanceof ConfigError) console.error(`Invalid configuration: ${error.message}`);
  else console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(1);
}

main(args).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError
        ? `Invalid configuration: ${error.message}`
        : error instanceof UsageError || error instanceof InputError
          ? error.message
          : `import failed: ${error instanceof Error ? error.message : String(error)}`;
    console.error(message);
    process.exit(1);
  },
);
