import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { RecomputeRun } from './recompute-run.entity.js';
import { ReportDefinition, type WindowName } from './report-definition.entity.js';

@Entity('metric_snapshots')
@Unique('metric_snapshots_bucket_key', [
  'reportSlug',
  'windowName',
  'bucketStart',
  'dimensionKey',
  'dimensionValue',
  'metricName',
])
@Check('metric_snapshots_window_name_check', `"window_name" IN ('day', 'week')`)
@Index('metric_snapshots_run_id_idx', ['runId'])
// The report read index has INCLUDE (metric_value), which TypeORM cannot express: it is created by
// migration 1764000000002-ReportReadIndexes and declared here only so schema sync leaves it be.
@Index('metric_snapshots_report_read_idx', { synchronize: false })
export class MetricSnapshot {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'report_slug', type: 'text' })
  reportSlug: string;

  @ManyToOne(() => ReportDefinition, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'report_slug',
    foreignKeyConstraintName: 'metric_snapshots_report_slug_fkey',
  })
  report: Relation<ReportDefinition>;

  @Column({ name: 'window_name', type: 'text' })
  windowName: WindowName;

  @Column({ name: 'bucket_start', type: 'timestamptz' })
  bucketStart: Date;

  @Column({ name: 'dimension_key', type: 'text' })
  dimensionKey: string;

  @Column({ name: 'dimension_value', type: 'text' })
  dimensionValue: string;

  @Column({ name: 'metric_name', type: 'text' })
  metricName: string;

  @Column({ name: 'metric_value', type: 'bigint' })
  metricValue: string;

  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' })
  computedAt: Date;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId: string | null;

  @ManyToOne(() => RecomputeRun, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'metric_snapshots_run_id_fkey' })
  run: Relation<RecomputeRun> | null;
}
