import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorBodyDto, ErrorResponseDto, PaginationDto } from './openapi.js';

export const MANAGEMENT_KEY_SCHEME = 'management-key';
export const INGEST_KEY_SCHEME = 'ingest-key';
export const BEARER_SCHEME = 'bearer-key';
export const METRICS_TOKEN_SCHEME = 'metrics-token';

export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tally')
    .setDescription(
      'PostgreSQL-first analytics reporting. Every response is an envelope: `{data, meta}` on ' +
        'success, `{error: {code, message, details}}` on failure. Management routes need the ' +
        'management key, as `X-Management-Key` or `Authorization: Bearer`.',
    )
    .setVersion(version)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Management-Key', description: 'management key' },
      MANAGEMENT_KEY_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Ingest-Key', description: 'ingest key' },
      INGEST_KEY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'the management key (or, on POST /events, the ingest key) as a bearer token',
      },
      BEARER_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set' },
      METRICS_TOKEN_SCHEME,
    )
    .build();
  // The envelope's shared shapes are documented once, whichever routes use them.
  return SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto, ErrorBodyDto, PaginationDto],
  });
}

/** Swagger UI at /docs, the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication, version: string): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, version), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
