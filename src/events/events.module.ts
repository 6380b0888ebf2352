import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { EventsController } from './events.controller.js';
import { EventsRepository } from './events.repository.js';
import { EventsService } from './events.service.js';
import { IngestService } from './ingest.service.js';
import { SourcesController } from './sources.controller.js';
import { SourcesRepository } from './sources.repository.js';
import { SourcesService } from './sources.service.js';

/** The way events come in: ingestion, the listing for support, and the sources catalog. */
@Module({
  imports: [AuditModule],
  controllers: [EventsController, SourcesController],
  providers: [EventsRepository, EventsService, IngestService, SourcesRepository, SourcesService],
  exports: [EventsRepository],
})
export class EventsModule {}
