import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MANAGEMENT_KEY } from './app.js';

const MAIN = 'dist/src/main.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  output(): string;
  /** Sends a signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Everything the built service printed, and its exit. */
export function runService(env: Record<string, string>, timeoutMs = 30_000) {
  return runBuilt(MAIN, env, timeoutMs);
}

/** Runs a compiled entry point (`dist/src/...js`) as the service would be run. */
export function runBuilt(script: string, env: Record<string, string>, timeoutMs = 30_000) {
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build)`);
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  void exited.then(() => clearTimeout(timer));
  return { child, exited, output: () => output };
}

/** How long the built service may take to start listening. */
const START_TIMEOUT_MS = 60_000;

/** Starts the built service (`dist/src/main.js`) and waits until it listens. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const run = runService(env, 10 * 60_000);
  const url = await new Promise<string>((resolve, reject) => {
    // A service that did not start in time is killed, so it cannot hold on to its data
    // directory or port and break the tests after this one.
    const deadline = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`service did not start:\n${run.output()}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const match = /Tally listening on (http:\/\/[^\s]+?) \(/.exec(run.output());
      if (match) {
        clearTimeout(deadline);
        resolve(match[1].replace('[::1]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1'));
      }
    };
    run.child.stdout!.on('data', check);
    run.child.stderr!.on('data', check);
    void run.exited.then((code) => {
      clearTimeout(deadline);
      reject(new Error(`service exited (${code}) before listening:\n${run.output()}`));
    });
  });
  return {
    child: run.child,
    url,
    output: run.output,
    stop: (signal = 'SIGTERM') => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
      return run.exited;
    },
  };
}

/**
 * The built service on a test database, as the crash tests run it: no demo data, the test
 * management key, and short leases so that a dead run is noticed fast.
 */
export function startOnTestDatabase(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  return startService({
    DATABASE_URL: databaseUrl,
    APP_AUTO_SEED: 'false',
    MANAGEMENT_API_KEY: MANAGEMENT_KEY,
    RECOMPUTE_LEASE_SECONDS: '2',
    RECOMPUTE_CONCURRENCY: '1',
    LOG_LEVEL: 'log',
    ...env,
  });
}
