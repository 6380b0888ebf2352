import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app.config.js';
import { Metrics } from '../../metrics/metrics.service.js';
import { InProcessExecutor } from './in-process.executor.js';

/** A task the test finishes by hand. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const started = { value: false };
  const task = async () => {
    started.value = true;
    await opened;
  };
  return { task, open, started };
}

const executor = (concurrency: number, queueSize: number, metrics = new Metrics()) =>
  new InProcessExecutor(
    { recomputeConcurrency: concurrency, recomputeQueueSize: queueSize } as AppConfig,
    metrics,
  );

/** The current value of a gauge without labels. */
async function gauge(metrics: Metrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values[0]?.value ?? 0;
}

describe(InProcessExecutor.name, () => {
  beforeAll(() => Logger.overrideLogger(false)); // the failing task below logs an error
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('runs up to RECOMPUTE_CONCURRENCY tasks and queues up to RECOMPUTE_QUEUE_SIZE more', async () => {
    const subject = executor(2, 1);
    const tasks = [gate(), gate(), gate(), gate()];
    expect(tasks.map((t) => subject.submit(t.task))).toEqual([true, true, true, false]);
    expect(tasks.map((t) => t.started.value)).toEqual([true, true, false, false]);
    expect(subject.hasCapacity()).toBe(false);

    tasks[0].open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(tasks[2].started.value).toBe(true);
    expect(subject.hasCapacity()).toBe(true);
    tasks[1].open();
    tasks[2].open();
  });

  it('reports its queue depth and running tasks as gauges', async () => {
    const metrics = new Metrics();
    const subject = executor(1, 5, metrics);
    const tasks = [gate(), gate(), gate()];
    for (const t of tasks) subject.submit(t.task);
    expect(await gauge(metrics, 'tally_recompute_running_runs')).toBe(1);
    expect(await gauge(metrics, 'tally_recompute_queue_depth')).toBe(2);
    tasks[0].open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await gauge(metrics, 'tally_recompute_running_runs')).toBe(1);
    expect(await gauge(metrics, 'tally_recompute_queue_depth')).toBe(1);
    tasks[1].open();
    tasks[2].open();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await gauge(metrics, 'tally_recompute_running_runs')).toBe(0);
    expect(await gauge(metrics, 'tally_recompute_queue_depth')).toBe(0);
  });

  it('withdraws a queued task (its place is free again), but not a started one', async () => {
    const metrics = new Metrics();
    const subject = executor(1, 1, metrics);
    const [running, queued, next] = [gate(), gate(), gate()];
    expect([running, queued].map((t) => subject.submit(t.task))).toEqual([true, true]);
    expect(subject.hasCapacity()).toBe(false);
    subject.withdraw(queued.task);
    subject.withdraw(running.task);
    expect(await gauge(metrics, 'tally_recompute_queue_depth')).toBe(0);
    expect(subject.submit(next.task)).toBe(true);
    running.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect([queued.started.value, next.started.value]).toEqual([false, true]);
    next.open();
  });

  it('with a queue of 0, accepts only while a slot is free', () => {
    const subject = executor(1, 0);
    const first = gate();
    expect(subject.submit(first.task)).toBe(true);
    expect(subject.submit(gate().task)).toBe(false);
    first.open();
  });

  it('keeps running after a task fails', async () => {
    const subject = executor(1, 1);
    const after = gate();
    subject.submit(() => Promise.reject(new Error('boom')));
    subject.submit(after.task);
    await new Promise((resolve) => setImmediate(resolve));
    expect(after.started.value).toBe(true);
    after.open();
  });

  it('drain refuses new tasks, drops queued ones and waits for running ones within the grace', async () => {
    const subject = executor(1, 5);
    const running = gate();
    const queued = gate();
    subject.submit(running.task);
    subject.submit(queued.task);
    let drained = false;
    const draining = subject.drain(60_000).then(() => (drained = true));
    expect(subject.submit(gate().task)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    running.open();
    await draining;
    expect(queued.started.value).toBe(false);
  });

  it('drain gives up after the grace period', async () => {
    const subject = executor(1, 0);
    const stuck = gate();
    subject.submit(stuck.task);
    await subject.drain(10);
    expect(stuck.started.value).toBe(true);
    stuck.open();
  });
});
