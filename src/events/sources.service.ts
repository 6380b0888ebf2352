import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { SLUG_PATTERN } from '../common/input-rules.js';
import type { CreateSourceDto, UpdateSourceDto } from './dto/source.dto.js';
import { SourcesRepository, type SourceRow } from './sources.repository.js';

/** The sources catalog: list, create, change (e.g. deactivate); every change audited. */
@Injectable()
export class SourcesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sources: SourcesRepository,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<SourceRow[]> {
    return this.sources.list();
  }

  create(body: CreateSourceDto, actor: string): Promise<SourceRow> {
    return this.dataSource.transaction(async (manager) => {
      const source = await this.sources.insert(manager, {
        slug: body.slug,
        provider_name: body.provider_name,
        description: body.description ?? '',
      });
      if (!source) throw new ApiError('conflict', `event source already exists: ${body.slug}`);
      await this.audit.record(
        {
          actor,
          action: 'source.created',
          resourceType: 'event_source',
          resourceId: source.slug,
          metadata: {
            provider_name: source.provider_name,
            description: source.description,
            is_active: source.is_active,
          },
        },
        manager,
      );
      return source;
    });
  }

  update(slug: string, body: UpdateSourceDto, actor: string): Promise<SourceRow> {
    const changes = {
      provider_name: body.provider_name,
      description: body.description,
      is_active: body.is_active,
    };
    if (Object.values(changes).every((value) => value === undefined)) {
      const message = 'give at least one of provider_name, description, is_active';
      throw ApiError.invalid(message, [{ parameter: 'body', message }]);
    }
    const notFound = ApiError.notFound(`event source not found: ${slug.slice(0, 100)}`);
    if (!SLUG_PATTERN.test(slug)) throw notFound; // cannot exist: no query
    return this.dataSource.transaction(async (manager) => {
      const updated = await this.sources.update(manager, slug, changes);
      if (!updated) throw notFound;
      const changed = Object.fromEntries(
        (Object.keys(changes) as (keyof typeof changes)[])
          .filter((key) => changes[key] !== undefined && updated.before[key] !== updated.after[key])
          .map((key) => [key, { from: updated.before[key], to: updated.after[key] }]),
      );
      await this.audit.record(
        {
          actor,
          action: 'source.updated',
          resourceType: 'event_source',
          resourceId: slug,
          metadata: { changes: changed },
        },
        manager,
      );
      return updated.after;
    });
  }
}
