import {
  Check,
  Column,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { ReportDefinition, type WindowName } from './report-definition.entity.js';

@Entity('aggregate_windows')
@Unique('aggregate_windows_report_window_key', ['reportSlug', 'windowName'])
@Check('aggregate_windows_window_name_check', `"window_name" IN ('day', 'week')`)
@Check('aggregate_windows_retention_days_check', `"retention_days" > 0`)
@Check('aggregate_windows_refresh_interval_check', `"refresh_interval_minutes" > 0`)
export class AggregateWindow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'report_slug', type: 'text' })
  reportSlug: string;

  @ManyToOne(() => ReportDefinition, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'report_slug',
    foreignKeyConstraintName: 'aggregate_windows_report_slug_fkey',
  })
  report: Relation<ReportDefinition>;

  @Column({ name: 'window_name', type: 'text' })
  windowName: WindowName;

  @Column({ name: 'retention_days', type: 'integer' })
  retentionDays: number;

  @Column({ name: 'refresh_interval_minutes', type: 'integer' })
  refreshIntervalMinutes: number;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;
}
