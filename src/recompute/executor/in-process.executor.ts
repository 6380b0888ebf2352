import { Inject, Injectable, Logger } from '@nestjs/common';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import { Metrics } from '../../metrics/metrics.service.js';
import { RecomputeExecutor, type RecomputeTask } from './recompute-executor.js';

/** Runs up to RECOMPUTE_CONCURRENCY tasks at once, with up to RECOMPUTE_QUEUE_SIZE waiting. */
@Injectable()
export class InProcessExecutor extends RecomputeExecutor {
  private readonly logger = new Logger(InProcessExecutor.name);
  private readonly queue: RecomputeTask[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  hasCapacity(): boolean {
    return !this.stopping && this.queue.length < this.config.recomputeQueueSize + this.freeSlots();
  }

  submit(task: RecomputeTask): boolean {
    if (!this.hasCapacity()) return false;
    this.queue.push(task);
    this.pump();
    this.report();
    return true;
  }

  withdraw(task: RecomputeTask): void {
    const at = this.queue.indexOf(task);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.report();
  }

  async drain(graceMs: number): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    this.report();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
  }

  private freeSlots(): number {
    return Math.max(0, this.config.recomputeConcurrency - this.running.size);
  }

  private pump(): void {
    while (this.freeSlots() > 0 && this.queue.length > 0) {
      const task = this.queue.shift()!;
      const done: Promise<void> = task()
        .catch((error: unknown) => this.logger.error(`recompute task failed: ${String(error)}`))
        .finally(() => {
          this.running.delete(done);
          this.pump();
          this.report();
        });
      this.running.add(done);
    }
  }

  /** The executor's gauges: queued and running tasks. */
  private report(): void {
    this.metrics.recomputeQueueDepth.set(this.queue.length);
    this.metrics.recomputeRunning.set(this.running.size);
  }
}
