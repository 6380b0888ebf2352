import { InitialSchema1764000000000 } from './1764000000000-InitialSchema.js';
import { ReferenceData1764000000001 } from './1764000000001-ReferenceData.js';
import { ReportReadIndexes1764000000002 } from './1764000000002-ReportReadIndexes.js';
import { ChangeTracking1764000000003 } from './1764000000003-ChangeTracking.js';
import { ReportReadFreshness1764000000004 } from './1764000000004-ReportReadFreshness.js';

/** Every migration in order, listed explicitly (no globs in ESM). */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  ReferenceData1764000000001,
  ReportReadIndexes1764000000002,
  ChangeTracking1764000000003,
  ReportReadFreshness1764000000004,
];
