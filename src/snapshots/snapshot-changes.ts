import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

export const SNAPSHOTS_CHANNEL = 'tally_snapshots_changed';

type Listener = (reportSlug: string) => void;

export interface ChangeNoticeToSend {
  channel: string;
  payload: string;
}

/** A change notice as received on the channel: which report, and which instance sent it. */
export interface ChangeNotice {
  /** Undefined for an empty payload: everything may have changed. */
  reportSlug?: string;
  origin?: string;
}

/**
 * Reads a payload of the channel: `<report slug> <origin>` as `publish` sends it, or a bare
 * `<report slug>` (e.g. an operator's `NOTIFY tally_snapshots_changed, 'status-counts'`).
 */
export function parseChangeNotice(payload: string): ChangeNotice {
  const [reportSlug, origin] = payload.trim().split(/\s+/, 2);
  return { reportSlug: reportSlug || undefined, origin };
}

/**
 * Tells readers that a report's snapshots changed. The rebuild sends its `notice` inside its
 * transaction: PostgreSQL delivers the NOTIFY to every instance only if the rebuild commits.
 * `changedHere` tells this process's readers at once, right after the commit; the NOTIFY names
 * its `origin`, so this instance can skip its own (it has already acted on it).
 */
@Injectable()
export class SnapshotChanges {
  readonly origin = randomUUID();
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The NOTIFY to send, inside the rebuild's transaction, when `reportSlug` changed. */
  notice(reportSlug: string): ChangeNoticeToSend {
    return { channel: SNAPSHOTS_CHANNEL, payload: `${reportSlug} ${this.origin}` };
  }

  changedHere(reportSlug: string): void {
    for (const listener of this.listeners) listener(reportSlug);
  }
}
