import { Clock } from '../../src/common/clock.js';

/** A clock the test sets; the scheduler, retention and the scope checks read only this. */
export class TestClock extends Clock {
  time = new Date();
  now(): Date {
    return new Date(this.time);
  }
  /** Moves the clock to `minutes` after the real now. */
  ahead(minutes: number): void {
    this.time = new Date(Date.now() + minutes * 60_000);
  }
}
