import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const WINDOW_NAMES = ['day', 'week'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

@Entity('report_definitions')
@Check('report_definitions_cache_ttl_check', `"cache_ttl_seconds" >= 0`)
@Check('report_definitions_default_window_check', `"default_window" IN ('day', 'week')`)
export class ReportDefinition {
  @PrimaryColumn({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'cache_ttl_seconds', type: 'integer' })
  cacheTtlSeconds: number;

  @Column({ name: 'default_window', type: 'text' })
  defaultWindow: WindowName;

  @Column({ name: 'is_public', type: 'boolean', default: true })
  isPublic: boolean;

  @Column({ name: 'supported_filters', type: 'jsonb', default: [] })
  supportedFilters: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
