import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor } from '../common/actor.js';
import { ManagementAuth } from '../common/api-key.guard.js';
import { ApiEnvelope } from '../common/openapi.js';
import { NoParameters } from '../common/validation.js';
import { DEFAULT_ACTOR } from '../recompute/run-scope.js';
import { CreateSourceDto, SourceDto, UpdateSourceDto } from './dto/source.dto.js';
import {
  ApiCreateSourceErrors,
  ApiListSourcesErrors,
  ApiUpdateSourceErrors,
  CREATE_SOURCE_EXAMPLES,
  UPDATE_SOURCE_EXAMPLES,
} from './events.openapi.js';
import type { SourceRow } from './sources.repository.js';
import { SourcesService } from './sources.service.js';
import { SOURCE_SLUGS_NOTE } from './reference-sources.js';

const actorHeader = ApiHeader({
  name: 'X-Actor',
  required: false,
  description: 'audit actor (default management-api), at most 200 characters',
});

@ApiTags('sources')
@Controller('sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Get()
  @ApiOperation({
    summary: 'Every event source',
    description: 'Active and inactive; the `source` report filter accepts all of them.',
  })
  @ApiEnvelope(SourceDto, { isArray: true })
  @ApiListSourcesErrors()
  list(@Query() _query: NoParameters): Promise<SourceRow[]> {
    return this.sources.list();
  }

  @Post()
  @ManagementAuth()
  @ApiOperation({ summary: 'Add an event source', description: 'Audited as `source.created`.' })
  @actorHeader
  @ApiBody({ type: CreateSourceDto, examples: CREATE_SOURCE_EXAMPLES })
  @ApiEnvelope(SourceDto, { status: 201, description: 'created' })
  @ApiCreateSourceErrors()
  create(
    @Body() body: CreateSourceDto,
    @Query() _query: NoParameters,
    @Actor(DEFAULT_ACTOR) actor: string,
  ): Promise<SourceRow> {
    return this.sources.create(body, actor);
  }

  @Patch(':slug')
  @ManagementAuth()
  @ApiOperation({
    summary: 'Change an event source',
    description:
      'Rename it, describe it, or deactivate it (`is_active: false`): an inactive source ' +
      'refuses new events; its stored events and snapshots stay. Audited as `source.updated`.',
  })
  @ApiParam({
    name: 'slug',
    description: `The source to change. ${SOURCE_SLUGS_NOTE}`,
    example: 'paypal',
  })
  @ApiBody({ type: UpdateSourceDto, examples: UPDATE_SOURCE_EXAMPLES })
  @actorHeader
  @ApiEnvelope(SourceDto)
  @ApiUpdateSourceErrors()
  update(
    @Param('slug') slug: string,
    @Body() body: UpdateSourceDto,
    @Query() _query: NoParameters,
    @Actor(DEFAULT_ACTOR) actor: string,
  ): Promise<SourceRow> {
    return this.sources.update(slug, body, actor);
  }
}
