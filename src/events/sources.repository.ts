import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A row of `event_sources` as the API shows it. */
export interface SourceRow {
  slug: string;
  provider_name: string;
  description: string;
  is_active: boolean;
  created_at: Date;
}

export interface SourceChanges {
  provider_name?: string;
  description?: string;
  is_active?: boolean;
}

const SOURCE_COLUMNS = 'slug, provider_name, description, is_active, created_at';

/** The sources catalog (`event_sources`). */
@Injectable()
export class SourcesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  list(): Promise<SourceRow[]> {
    return this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS} FROM event_sources ORDER BY slug COLLATE "C"`,
    );
  }

  /** Inserts a source; undefined when the slug exists. */
  async insert(
    manager: EntityManager,
    source: { slug: string; provider_name: string; description: string },
  ): Promise<SourceRow | undefined> {
    const [row] = await manager.query(
      `INSERT INTO event_sources (slug, provider_name, description) VALUES ($1, $2, $3)
       ON CONFLICT (slug) DO NOTHING
       RETURNING ${SOURCE_COLUMNS}`,
      [source.slug, source.provider_name, source.description],
    );
    return row;
  }

  /** The source as it was and as it is after `changes`; undefined when the slug is unknown. */
  async update(
    manager: EntityManager,
    slug: string,
    changes: SourceChanges,
  ): Promise<{ before: SourceRow; after: SourceRow } | undefined> {
    const [before] = await manager.query(
      `SELECT ${SOURCE_COLUMNS} FROM event_sources WHERE slug = $1 FOR UPDATE`,
      [slug],
    );
    if (!before) return undefined;
    // In a CTE, so TypeORM hands back plain rows for an UPDATE.
    const [after] = await manager.query(
      `WITH updated AS (
         UPDATE event_sources
            SET provider_name = coalesce($2, provider_name),
                description = coalesce($3, description),
                is_active = coalesce($4, is_active)
          WHERE slug = $1
         RETURNING ${SOURCE_COLUMNS})
       SELECT * FROM updated`,
      [slug, changes.provider_name ?? null, changes.description ?? null, changes.is_active ?? null],
    );
    return { before, after };
  }
}
