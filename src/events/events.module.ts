import { Module } from '@nestjs/common';
import { EventsRepository } from './events.repository.js';

/** Owns the raw events (`analytics_events`, `event_sources`). */
@Module({
  providers: [EventsRepository],
  exports: [EventsRepository],
})
export class EventsModule {}
