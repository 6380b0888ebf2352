import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Repeater } from '../common/repeater.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { RecomputeExecutor } from './executor/recompute-executor.js';
import { HeldRuns } from './held-runs.js';
import { RunLeasesRepository, type OrphanRun } from './run-leases.repository.js';
import { MAX_ATTEMPTS, RunLifecycle } from './run-lifecycle.js';

/** Longest pause between two looks for orphaned runs. */
const MAX_POLL_MS = 5000;
const ORPHAN_BATCH = 25;

/**
 * The recompute worker of one instance (no run is ever stuck):
 *
 * - heartbeat: renews the lease of every run this process holds (queued or claimed), every
 *   third of the lease;
 * - recovery: on start and every few seconds, hands to the executor the runs no live process
 *   holds: pending runs whose lease lapsed (their process stopped before claiming them) and
 *   running runs whose lease lapsed (their process died mid-rebuild); a running run that has
 *   used up its attempts is failed instead;
 * - shutdown: stops claiming, lets the executor finish what it runs within
 *   SHUTDOWN_GRACE_SECONDS, then hands back whatever it still holds.
 */
@Injectable()
export class RecomputeWorker
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('RecomputeWorker');
  private readonly heartbeat: Repeater;
  private readonly recovery: Repeater;
  private stopping = false;
  /** The last error of each loop, so a lasting outage is logged once, not every round. */
  private readonly lastError = new Map<string, string>();
  /** Attempts already reported as taken over (`<id>#<attempt>`). */
  private readonly lostReported = new Set<string>();

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly lifecycle: RunLifecycle,
    private readonly leases: RunLeasesRepository,
    private readonly held: HeldRuns,
    private readonly executor: RecomputeExecutor,
  ) {
    const third = (config.recomputeLeaseSeconds * 1000) / 3;
    this.heartbeat = new Repeater(third, () => this.renew());
    this.recovery = new Repeater(Math.min(MAX_POLL_MS, third), () => this.recover());
  }

  onApplicationBootstrap(): void {
    this.heartbeat.start();
    this.recovery.start();
  }

  /** The first step of shutdown: from here on, triggers get a 503 and nothing new is claimed. */
  onModuleDestroy(): void {
    this.stopping = true;
    this.lifecycle.stopAccepting();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.recovery.stop();
    await this.executor.drain(this.config.shutdownGraceSeconds * 1000);
    await this.heartbeat.stop();
    this.lifecycle.handOver();
    const held = this.held.list();
    this.held.clear();
    if (held.length === 0) return;
    try {
      await this.leases.release(this.lifecycle.instanceId, held);
      this.logger.warn(`handed back ${held.length} unfinished run(s) to the other instances`);
    } catch (error) {
      this.logger.error(`could not hand back runs (their leases will expire): ${String(error)}`);
    }
  }

  private async renew(): Promise<void> {
    const held = this.held.list();
    try {
      const renewed = new Set(
        await this.leases.renewLeases(
          this.lifecycle.instanceId,
          held,
          this.config.recomputeLeaseSeconds,
        ),
      );
      const lost = held.filter((run) => run.attempt > 0 && !renewed.has(run.id));
      for (const run of lost) {
        const key = `${run.id}#${run.attempt}`;
        if (this.held.has(run.id) && !this.lostReported.has(key)) {
          this.lostReported.add(key);
          this.logger.warn(`run ${run.id}: attempt ${run.attempt} no longer holds the run`);
        }
      }
      for (const key of this.lostReported) {
        if (!this.held.has(key.split('#')[0])) this.lostReported.delete(key);
      }
      this.recovered('lease heartbeat');
    } catch (error) {
      this.failed('lease heartbeat', error);
    }
  }

  private async recover(): Promise<void> {
    try {
      for (const orphan of await this.leases.findOrphans(ORPHAN_BATCH)) {
        if (this.stopping) break;
        if (this.held.has(orphan.id)) continue;
        if (orphan.status === 'running' && orphan.attempts >= MAX_ATTEMPTS) {
          await this.lifecycle.abandon(orphan);
        } else if (!(await this.take(orphan))) {
          break; // the executor is full; try again on the next round
        }
      }
      this.recovered('looking for orphaned runs');
    } catch (error) {
      this.failed('looking for orphaned runs', error);
    }
  }

  private failed(what: string, error: unknown): void {
    const message = String(error);
    if (this.lastError.get(what) === message) return;
    this.lastError.set(what, message);
    this.logger.error(`${what} failed: ${message}`);
  }

  private recovered(what: string): void {
    if (this.lastError.delete(what)) this.logger.log(`${what} works again`);
  }

  /** Queues an orphan here; false when the executor has no room for it. */
  private async take(orphan: OrphanRun): Promise<boolean> {
    if (!this.executor.hasCapacity()) return false;
    const owner = this.lifecycle.instanceId;
    const lease = this.config.recomputeLeaseSeconds;
    // A pending run is adopted first, so that only one instance queues it.
    if (orphan.status === 'pending' && !(await this.leases.adoptPending(orphan.id, owner, lease))) {
      return true;
    }
    this.held.hold(orphan.id);
    if (!this.executor.submit(() => this.lifecycle.execute(orphan.id))) {
      this.held.release(orphan.id);
      await this.leases.release(owner, [{ id: orphan.id, attempt: 0 }]);
      return false;
    }
    this.logger.warn(
      `recovering run ${orphan.id} (${orphan.status}, ${orphan.attempts} attempt(s) so far)`,
    );
    return true;
  }
}
