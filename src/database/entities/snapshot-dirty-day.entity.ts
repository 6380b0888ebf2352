import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { AggregateWindow } from './aggregate-window.entity.js';
import type { WindowName } from './report-definition.entity.js';

/**
 * A UTC day whose events changed since the report's window last rebuilt it. Written only by the
 * `analytics_events` triggers (migration 1764000000003-ChangeTracking); cleared by rebuilds.
 */
@Entity('snapshot_dirty_days')
export class SnapshotDirtyDay {
  @PrimaryColumn({ name: 'report_slug', type: 'text' })
  reportSlug: string;

  @PrimaryColumn({ name: 'window_name', type: 'text' })
  windowName: WindowName;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @ManyToOne(() => AggregateWindow, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'report_slug',
      referencedColumnName: 'reportSlug',
      foreignKeyConstraintName: 'snapshot_dirty_days_window_fkey',
    },
    { name: 'window_name', referencedColumnName: 'windowName' },
  ])
  window: Relation<AggregateWindow>;

  /** When the day first became dirty: the refresh deadline counts from here. */
  @Column({ name: 'first_marked_at', type: 'timestamptz', default: () => 'now()' })
  firstMarkedAt: Date;

  @Column({ name: 'last_marked_at', type: 'timestamptz', default: () => 'now()' })
  lastMarkedAt: Date;

  /** The transaction that marked it last (`pg_current_xact_id()`), for safe clearing. */
  @Column({ name: 'marked_xid', type: 'bigint' })
  markedXid: string;
}
