import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { ReportDefinition, type WindowName } from './report-definition.entity.js';

export const RUN_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunSummary {
  rows_deleted: number;
  rows_inserted: number;
  bucket_count: number;
}

@Entity('recompute_runs')
@Check('recompute_runs_status_check', `"status" IN ('pending', 'running', 'completed', 'failed')`)
@Check('recompute_runs_window_name_check', `"window_name" IN ('day', 'week')`)
@Check('recompute_runs_date_range_check', `"date_from" <= "date_to"`)
@Index('recompute_runs_active_scope_key', ['reportSlug', 'windowName', 'dateFrom', 'dateTo'], {
  unique: true,
  where: `"status" IN ('pending', 'running')`,
})
@Index('recompute_runs_requested_at_idx', ['requestedAt'])
@Index('recompute_runs_status_requested_at_idx', ['status', 'requestedAt'])
export class RecomputeRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'report_slug', type: 'text' })
  reportSlug: string;

  @ManyToOne(() => ReportDefinition, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_slug', foreignKeyConstraintName: 'recompute_runs_report_slug_fkey' })
  report: Relation<ReportDefinition>;

  @Column({ name: 'window_name', type: 'text' })
  windowName: WindowName;

  @Column({ name: 'date_from', type: 'date' })
  dateFrom: string;

  @Column({ name: 'date_to', type: 'date' })
  dateTo: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy: string;

  @Column({ type: 'text', default: 'pending' })
  status: RunStatus;

  @Column({ name: 'requested_at', type: 'timestamptz', default: () => 'now()' })
  requestedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ type: 'jsonb', nullable: true })
  summary: RunSummary | null;

  /** How many times an executor has claimed this run (a retry after a crash claims it again). */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Instance id of the executor holding the run while it is `running`. */
  @Column({ name: 'locked_by', type: 'text', nullable: true })
  lockedBy: string | null;

  /** A running run whose lease has passed belongs to a dead executor and may be taken over. */
  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;
}
