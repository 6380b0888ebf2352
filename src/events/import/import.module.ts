import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuditRepository } from '../../audit/audit.repository.js';
import { AuditService } from '../../audit/audit.service.js';
import { appConfig } from '../../config/app.config.js';
import { DatabaseModule } from '../../database/database.module.js';
import { SourcesRepository } from '../sources.repository.js';
import { EventImporter } from './event-importer.js';
import { ImportRepository } from './import.repository.js';

/** What `npm run import` needs: the database, the audit trail and the importer; no HTTP. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    DatabaseModule,
  ],
  // The audit providers, not AuditModule: its controller would load the HTTP and OpenAPI layers,
  // which a command-line import has no use for (they cost tens of MB of memory).
  providers: [EventImporter, ImportRepository, SourcesRepository, AuditService, AuditRepository],
})
export class ImportModule {}
