import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { DEFAULT_INGEST_KEY, DEFAULT_MANAGEMENT_KEY } from '../config/app.config.js';
import { formatDay } from '../snapshots/bucket-range.js';
import { Clock } from './clock.js';
import { exampleDay, resolveExampleDates } from './example-dates.js';
import {
  ConflictDetailDto,
  ErrorBodyDto,
  ErrorResponseDto,
  PaginationDto,
  ProblemDetailDto,
} from './openapi.js';

export const MANAGEMENT_KEY_SCHEME = 'management-key';
export const INGEST_KEY_SCHEME = 'ingest-key';
export const BEARER_SCHEME = 'bearer-key';
export const METRICS_TOKEN_SCHEME = 'metrics-token';

/**
 * The day the checked-in openapi.json is written as of (`npm run openapi`): its example dates
 * are relative to this day, so the file does not change from one day to the next. The running
 * service resolves the same examples relative to the day it starts (see example-dates.ts).
 */
export const OPENAPI_REFERENCE_DAY = '2026-11-25';

const LOCAL_KEYS =
  'Outside production (`NODE_ENV` other than `production`) and unless the variable is set, ' +
  'the local default works:';

/** The OpenAPI document of the app, with its example dates relative to `today` (`YYYY-MM-DD`). */
export function buildOpenApiDocument(
  app: INestApplication,
  version: string,
  today: string,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tally')
    .setDescription(
      'PostgreSQL-first analytics reporting. Every response is an envelope: `{data, meta}` on ' +
        'success, `{error: {code, message, details}}` on failure. Management routes need the ' +
        'management key, as `X-Management-Key` or `Authorization: Bearer`: use **Authorize** ' +
        `(outside production the local default is \`${DEFAULT_MANAGEMENT_KEY}\`).\n\n` +
        `Example dates are relative to ${exampleDay()} (UTC), the day this document was built; ` +
        'the demo data covers the 90 days up to the day it was loaded, so "Try it out" with ' +
        'the examples and defaults answers with demo data. Run ids differ in every database: ' +
        'take one from `GET /recomputations`.',
    )
    .setVersion(version)
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Management-Key',
        description:
          `The management key (\`MANAGEMENT_API_KEY\`). ${LOCAL_KEYS} ` +
          `\`${DEFAULT_MANAGEMENT_KEY}\`. In production, the key your operator set.`,
      },
      MANAGEMENT_KEY_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Ingest-Key',
        description:
          `The ingest key of \`POST /events\` (\`INGEST_API_KEY\`; the management key works ` +
          `there too). ${LOCAL_KEYS} \`${DEFAULT_INGEST_KEY}\`. In production, the key your ` +
          'operator set.',
      },
      INGEST_KEY_SCHEME,
    )
    // A bearer scheme written out in full: DocumentBuilder.addBearerAuth would add
    // `bearerFormat: JWT`, and these keys are opaque strings, not tokens with a format.
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description:
        'The management key (or, on `POST /events`, the ingest key) as `Authorization: Bearer ' +
        `<key>\`: an opaque shared key, not a JWT. ${LOCAL_KEYS} \`${DEFAULT_MANAGEMENT_KEY}\` ` +
        `(\`${DEFAULT_INGEST_KEY}\` on \`POST /events\`).`,
    })
    .addSecurity(METRICS_TOKEN_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: '`METRICS_TOKEN` as `Authorization: Bearer <token>`, when it is set.',
    })
    .build();
  // The envelope's shared shapes are documented once, whichever routes use them.
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [
      ErrorResponseDto,
      ErrorBodyDto,
      ProblemDetailDto,
      ConflictDetailDto,
      PaginationDto,
    ],
  });
  return resolveExampleDates(document, today);
}

/**
 * Swagger UI at /docs, the OpenAPI document at /docs-json. The document is built once, at
 * start-up, with its example dates relative to the clock's day (UTC).
 */
export function setupSwagger(app: INestApplication, version: string): void {
  const today = formatDay(app.get(Clock).now());
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, version, today), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
