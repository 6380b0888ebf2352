import { AggregateWindow } from './aggregate-window.entity.js';
import { AnalyticsEvent } from './analytics-event.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { EventSource } from './event-source.entity.js';
import { MetricSnapshot } from './metric-snapshot.entity.js';
import { RecomputeRun } from './recompute-run.entity.js';
import { ReportDefinition } from './report-definition.entity.js';
import { SnapshotDirtyDay } from './snapshot-dirty-day.entity.js';

export * from './aggregate-window.entity.js';
export * from './analytics-event.entity.js';
export * from './audit-entry.entity.js';
export * from './event-source.entity.js';
export * from './metric-snapshot.entity.js';
export * from './recompute-run.entity.js';
export * from './report-definition.entity.js';
export * from './snapshot-dirty-day.entity.js';

/** Every entity, listed explicitly (no globs in ESM). */
export const ENTITIES = [
  EventSource,
  AnalyticsEvent,
  ReportDefinition,
  AggregateWindow,
  MetricSnapshot,
  RecomputeRun,
  AuditEntry,
  SnapshotDirtyDay,
];
