import { Injectable } from '@nestjs/common';
import type { HeldRun } from './run-leases.repository.js';

/**
 * The runs this process holds, for the lease heartbeat: a run it has queued (attempt 0, still
 * pending) or claimed (the attempt number it runs). Runs not listed here are never renewed, so
 * one this process dropped or forgot is taken over by a live instance once its lease expires.
 */
@Injectable()
export class HeldRuns {
  private readonly runs = new Map<string, number>();

  hold(id: string, attempt = 0): void {
    this.runs.set(id, attempt);
  }

  release(id: string): void {
    this.runs.delete(id);
  }

  has(id: string): boolean {
    return this.runs.has(id);
  }

  list(): HeldRun[] {
    return [...this.runs].map(([id, attempt]) => ({ id, attempt }));
  }

  clear(): void {
    this.runs.clear();
  }
}
