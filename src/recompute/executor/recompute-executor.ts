/** A unit of recompute work handed to an executor. */
export type RecomputeTask = () => Promise<void>;

/**
 * Runs recompute tasks asynchronously. An abstract class so it can be the injection token:
 * `{ provide: RecomputeExecutor, useClass: InProcessExecutor }`; tests bind another one.
 */
export abstract class RecomputeExecutor {
  /** Accepts a task unless the executor is full or stopping; false means "try later" (503). */
  abstract submit(task: RecomputeTask): boolean;

  /**
   * Takes back a submitted task that has not started (its run was never created: a 409): it
   * frees its place in the queue at once. A task already started is left alone.
   */
  abstract withdraw(task: RecomputeTask): void;

  /** Whether a submit right now would be accepted. */
  abstract hasCapacity(): boolean;

  /** Stops accepting tasks and waits up to `graceMs` for the ones in hand to finish. */
  abstract drain(graceMs: number): Promise<void>;
}
