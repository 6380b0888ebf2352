import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Enveloped } from '../common/envelope.js';
import { ApiEnvelope } from '../common/openapi.js';
import { ReportDefinitionDto } from './dto/report-definition.dto.js';
import type { ReportRunDto } from './dto/report-run.dto.js';
import type { RawQuery } from './report-query.js';
import {
  ApiCatalogQuery,
  ApiReportErrors,
  ApiRunQuery,
  ApiRunResponse,
} from './reports.openapi.js';
import { ReportsService } from './reports.service.js';
import { REPORT_SLUGS, type ReportSlug } from '../snapshots/report-catalog.js';

const slugParam = ApiParam({
  name: 'slug',
  description: 'A report of the catalog; any other slug is a 404.',
  schema: { type: 'string', enum: REPORT_SLUGS, example: 'volume-by-period' satisfies ReportSlug },
});

/**
 * Public report routes. The query string is read raw and checked by the service (see
 * report-query.ts): the rules depend on the report, and unknown parameters are rejected there.
 */
@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({
    summary: 'The catalog of public reports',
    description: 'Searchable, sortable and paginated; `meta.pagination.total` counts all matches.',
  })
  @ApiCatalogQuery()
  @ApiEnvelope(ReportDefinitionDto, { isArray: true, paginated: true })
  @ApiReportErrors('catalog')
  list(@Query() query: RawQuery): Promise<Enveloped<ReportDefinitionDto[]>> {
    return this.reports.list(query);
  }

  @Get(':slug')
  @ApiOperation({ summary: 'One public report definition' })
  @slugParam
  @ApiEnvelope(ReportDefinitionDto)
  @ApiReportErrors('definition', true)
  findOne(@Param('slug') slug: string, @Query() query: RawQuery): Promise<ReportDefinitionDto> {
    return this.reports.findOne(slug, query);
  }

  @Get(':slug/run')
  @ApiOperation({
    summary: 'Run a report over the precomputed snapshots',
    description:
      'Rows come from `metric_snapshots` only. Results are cached per normalized query for the ' +
      "report's `cache_ttl_seconds` (0 disables); a completed recompute of the report " +
      'invalidates its cached results in every running instance. Every invalid parameter is a ' +
      '400 naming it; a breakdown or filter the report does not support is a 400 listing what ' +
      'it supports.',
  })
  @slugParam
  @ApiRunQuery()
  @ApiRunResponse()
  @ApiReportErrors('run', true)
  run(@Param('slug') slug: string, @Query() query: RawQuery): Promise<Enveloped<ReportRunDto>> {
    return this.reports.run(slug, query);
  }
}
