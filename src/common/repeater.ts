/** Runs `work` now and then every `intervalMs` after it finishes, until stopped. */
export class Repeater {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops scheduling and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.work().finally(() => {
        this.current = undefined;
        this.schedule(this.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }
}
