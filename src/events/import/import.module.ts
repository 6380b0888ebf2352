import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuditModule } from '../../audit/audit.module.js';
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
    AuditModule,
  ],
  providers: [EventImporter, ImportRepository, SourcesRepository],
})
export class ImportModule {}
