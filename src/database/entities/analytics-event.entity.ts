import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { EventSource } from './event-source.entity.js';

export const EVENT_STATUSES = ['success', 'failed', 'pending'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

@Entity('analytics_events')
@Check('analytics_events_status_check', `"status" IN ('success', 'failed', 'pending')`)
@Check('analytics_events_processing_ms_check', `"processing_ms" >= 0`)
@Check('analytics_events_amount_cents_check', `"amount_cents" >= 0`)
@Index('analytics_events_occurred_at_idx', ['occurredAt', 'id'])
@Index('analytics_events_source_occurred_at_idx', ['sourceId', 'occurredAt'])
@Index('analytics_events_status_occurred_at_idx', ['status', 'occurredAt'])
@Index('analytics_events_entity_occurred_at_idx', ['entityId', 'occurredAt'])
export class AnalyticsEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'source_id', type: 'bigint' })
  sourceId: string;

  @ManyToOne(() => EventSource, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_id', foreignKeyConstraintName: 'analytics_events_source_id_fkey' })
  source: Relation<EventSource>;

  @Column({ name: 'external_ref', type: 'text', unique: true })
  externalRef: string;

  @Column({ name: 'entity_id', type: 'text' })
  entityId: string;

  @Column({ type: 'text' })
  status: EventStatus;

  @Column({ name: 'processing_ms', type: 'integer' })
  processingMs: number;

  @Column({ name: 'amount_cents', type: 'integer' })
  amountCents: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'jsonb', default: {} })
  payload: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
