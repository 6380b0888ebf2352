import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { EnvelopeInterceptor } from './envelope.interceptor.js';
import { AllExceptionsFilter } from './exception.filter.js';
import { registerBodyParsers, REQUEST_BODY_LIMIT } from './request-body.js';
import { setupSwagger } from './swagger.js';
import { createValidationPipe } from './validation.js';

export const API_PREFIX = 'api/v1';

export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: REQUEST_BODY_LIMIT,
    trustProxy: true,
    // Node's HTTP parser rejects some requests (e.g. headers over 16 KB) before Fastify routes
    // them; answer those in the envelope too, then close the connection.
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => {
      if (!socket.writable) return;
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const status = tooLarge ? 431 : 400;
      const message = tooLarge ? 'request headers are too large' : 'malformed HTTP request';
      const body = JSON.stringify({ error: { code: 'invalid_request', message, details: [] } });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // The router rejects some URLs before Nest sees them; answer those in the envelope too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.status(tooLong ? 404 : 400).send({
        error: tooLong
          ? { code: 'not_found', message: 'not found: a path segment is too long', details: [] }
          : {
              code: 'invalid_request',
              message: 'the URL path is not valid percent-encoded UTF-8',
              details: [],
            },
      });
    },
  });
}

/** Bytes one ingested event may take in a request: a 16 KB payload plus its other fields. */
export const INGEST_BYTES_PER_EVENT = 17 * 1024;

/**
 * Every body is limited to 1 MB except a batch of `POST /events`, which may hold
 * INGEST_MAX_BATCH events with full payloads (17 MB for the default 1000).
 */
function raiseIngestBodyLimit(app: NestFastifyApplication, config: AppConfig): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      if (route.url === `/${API_PREFIX}/events` && methods.includes('POST')) {
        route.bodyLimit = config.ingestMaxBatch * INGEST_BYTES_PER_EVENT;
      }
    });
}

/** Everything main.ts applies to the app; the test bootstrap calls the same function. */
export function configureApp(app: NestFastifyApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  raiseIngestBodyLimit(app, config);
  app.setGlobalPrefix(API_PREFIX);
  registerBodyParsers(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new EnvelopeInterceptor());
  app.useGlobalFilters(new AllExceptionsFilter());
  setupSwagger(app, config.appVersion);
}
