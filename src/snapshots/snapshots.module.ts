import { Module } from '@nestjs/common';
import { SnapshotChanges } from './snapshot-changes.js';
import { SnapshotsRepository } from './snapshots.repository.js';

/** Owns `metric_snapshots`: the set-based rebuild SQL the recompute module runs. */
@Module({
  providers: [SnapshotsRepository, SnapshotChanges],
  exports: [SnapshotsRepository, SnapshotChanges],
})
export class SnapshotsModule {}
