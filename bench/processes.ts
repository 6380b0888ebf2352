import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The compiled service and baseline server, next to this compiled file (dist/bench). */
export const SERVICE_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
export const BASELINE_MAIN = fileURLToPath(new URL('./baseline-server.js', import.meta.url));

/** The path the bench polls until a server is ready. */
export const HEALTH = '/api/v1/health';

export interface Server {
  name: string;
  pid: number;
  url: string;
  /** The end of what the process printed (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every process this bench started and has not stopped yet (used on Ctrl-C and errors). */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** How long a server may take to answer its readiness path. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Starts `node <script>` on a free port and waits (at most READY_TIMEOUT_MS) until `readyPath`
 * answers 200.
 * (The service logs its address only at LOG_LEVEL=log; polling works at any level.)
 */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  const port = await freePort();
  // The service writes an access line per request: its output goes to a file, so that neither
  // this process nor a pipe pays for it under load (as with a log file or collector in production).
  const logFile = path.join(tmpdir(), `tally-bench-${name}-${process.pid}-${port}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  running.add(child);
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(url + readyPath);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await sleep(100);
  }
  return {
    name,
    pid: child.pid!,
    url,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(logFile, { force: true });
    },
  };
}
