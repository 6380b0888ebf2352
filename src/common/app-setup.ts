import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Logger as NestLogger } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { operationsConfig, type OperationsConfig } from '../config/operations.config.js';
import { RequestRecords } from '../http/access-log.js';
import { clientAddressOf } from '../http/client-address.js';
import { corsOptions } from '../http/cors.js';
import { answerDirectly, envelopeText, JSON_CONTENT_TYPE } from '../http/direct-answer.js';
import { EarlyAnswers } from '../http/early-answers.js';
import { installEdgeHooks } from '../http/edge.js';
import { REQUEST_ID_HEADER, RequestIds } from '../http/request-id.js';
import { MAX_PARAM_LENGTH, RouteMethods } from '../http/route-methods.js';
import { securityHeadersFor } from '../http/security-headers.js';
import { METRICS_PATH } from '../metrics/metrics.controller.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ApiKeys } from './api-keys.js';
import { Secrets } from './secrets.js';
import { EnvelopeInterceptor } from './envelope.interceptor.js';
import { AllExceptionsFilter } from './exception.filter.js';
import { registerBodyParsers } from './request-body.js';
import { setupSwagger } from './swagger.js';
import { createValidationPipe } from './validation.js';

export const API_PREFIX = 'api/v1';

export { INGEST_BYTES_PER_EVENT } from '../http/edge.js';

/**
 * Nest's Fastify adapter, which also knows when shutdown has begun: Nest calls `beforeClose`
 * before any shutdown hook, so readiness can turn 503 before anything else stops.
 */
export class TallyHttpAdapter extends FastifyAdapter {
  private closing = false;
  /** Access lines and HTTP metrics, also of requests refused before Fastify (see attach). */
  records!: RequestRecords;
  /** Every request's id (see attach). */
  requestIds!: RequestIds;
  /** Answers modules give ahead of Fastify (the report-run cache hits). */
  readonly early = new EarlyAnswers();
  /** The methods of every route (a wrong method gets 405). */
  readonly routes = new RouteMethods();

  private serverClosed = false;

  get shutdownStarted(): boolean {
    return this.closing;
  }

  /** True once the HTTP server closes (the last step of a shutdown): see installEdgeHooks. */
  get serverClosing(): boolean {
    return this.serverClosed;
  }

  override beforeClose(): void {
    this.closing = true;
    NestLogger.log(
      'shutting down: not ready from now on, finishing the work in flight',
      'Shutdown',
    );
    super.beforeClose();
  }

  override async close(): Promise<void> {
    this.serverClosed = true;
    await super.close();
    NestLogger.log('HTTP server closed', 'Shutdown');
  }
}

/**
 * A response written straight to the socket (no request object exists), in the envelope, with
 * `headers` (the API's security headers) and `requestId`.
 */
function socketError(
  status: number,
  message: string,
  requestId: string,
  headers: Record<string, string>,
): string {
  const body = envelopeText('invalid_request', message, requestId);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
    `${REQUEST_ID_HEADER}: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${extra.join('')}Connection: close\r\n\r\n${body}`
  );
}

/**
 * Runs `then` once the responses in flight on `socket` are sent: a request HTTP cannot read may
 * follow requests pipelined on the same connection that are still being answered, and their
 * responses must not be lost (the client would not know they were carried out). At once when
 * the request being answered is the one that failed (its body broken or too slow: it will never
 * be complete).
 */
function afterResponses(socket: Duplex, then: () => void): void {
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!current || current.writableFinished || !current.req.complete) {
    then();
    return;
  }
  // Sent ('finish') or given up ('close'): the server then hands the socket to the next
  // pipelined response, if any.
  let done = false;
  const next = () => {
    if (done) return;
    done = true;
    setImmediate(() => afterResponses(socket, then));
  };
  current.once('finish', next).once('close', next);
}

export function createHttpAdapter(config: OperationsConfig, logger: Logger): TallyHttpAdapter {
  const headersFor = securityHeadersFor();
  const records = new RequestRecords(logger);
  const requestIds = new RequestIds();
  const refusedSockets = new WeakSet<Duplex>();
  const clientAddress = clientAddressOf(config.trustProxy);
  /** Answers a request HTTP cannot read (see clientErrorHandler), then closes the connection. */
  const refuseClient = (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable) return;
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request was not received in time']
          : [400, 'malformed HTTP request'];
    // The request being answered, when it is the one that failed (its body broken or too slow):
    // its request line and headers were read.
    const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    const failed = current && !current.req.complete ? current.req : undefined;
    const requestId = failed ? requestIds.from(failed.headers) : randomUUID();
    logger.warn({ request_id: requestId, status, code: error.code }, `client error: ${message}`);
    socket.end(socketError(status, message, requestId, headersFor('/api/')));
    records.record({
      requestId,
      method: failed?.method ?? null,
      route: null,
      url: failed?.url ?? null,
      status,
      ms: 0,
      remoteAddress: failed
        ? clientAddress(failed)
        : ((socket as { remoteAddress?: string }).remoteAddress ?? null),
    });
  };
  const adapter = new TallyHttpAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Fastify also takes a hop count, which Nest's option type leaves out.
    trustProxy: config.trustProxy as boolean | string,
    requestTimeout: config.requestTimeoutMs,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: (request: IncomingMessage) => requestIds.from(request.headers),
    // An HTTP/1.1 request without Host gets its 400 from the edge, in the envelope.
    http: { requireHostHeader: false },
    // Node's HTTP parser rejects some requests (e.g. headers over 16 KB) before Fastify routes
    // them; answer those in the envelope too, then close the connection.
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => {
      // The parser reports every later chunk of a connection it gave up on as well.
      if (refusedSockets.has(socket)) return;
      refusedSockets.add(socket);
      afterResponses(socket, () => refuseClient(error, socket));
    },
    // The router rejects some URLs before Nest sees them, and before any hook: answer those in
    // the envelope too, and leave their access line and metric sample.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status = tooLong ? 404 : 400;
      const body = tooLong
        ? { code: 'not_found', message: 'not found: a path segment is too long', details: [] }
        : {
            code: 'invalid_request',
            message: 'the URL path is not valid percent-encoded UTF-8',
            details: [],
          };
      void reply
        .status(status)
        .headers(headersFor(request.url))
        .header(REQUEST_ID_HEADER, request.id)
        .send({ error: { ...body, request_id: request.id } });
      records.record({
        requestId: request.id,
        method: request.method,
        route: null,
        url: request.url,
        status,
        ms: reply.elapsedTime,
        remoteAddress: clientAddress(request.raw),
      });
    },
  });
  const server = adapter.getHttpServer();
  server.headersTimeout = config.headersTimeoutMs;
  // `Expect: 100-continue`: Node would send `100 Continue` at once, inviting the body also for a
  // request refused before its body is read (401, 404, 405, 413, 429). It is sent when something
  // first reads the body instead; a refusal answers without it and closes the connection.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const invite = (event: string | symbol) => {
      if (event !== 'data' && event !== 'readable') return;
      request.off('newListener', invite);
      if (!response.headersSent) response.writeContinue();
    };
    request.on('newListener', invite);
    server.emit('request', request, response);
  });
  // An `Expect` other than 100-continue, which Node would refuse with an empty 417 of its own.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const answer = {
      status: 417,
      code: 'invalid_request',
      message: 'the Expect header may only ask for 100-continue',
      requestId: requestIds.from(request.headers),
      headers: headersFor(request.url ?? '/'),
      remoteAddress: clientAddress(request),
    };
    answerDirectly(request, response, answer, records);
  });
  adapter.records = records;
  adapter.requestIds = requestIds;
  return adapter;
}

/** Everything main.ts applies to the app; the test bootstrap calls the same function. */
export function configureApp(app: NestFastifyApplication, logger: Logger): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  const operations = app.get<OperationsConfig>(operationsConfig.KEY);
  app.setGlobalPrefix(API_PREFIX, { exclude: [METRICS_PATH] });
  // First, so that its hooks run before any other (a GET with a body is refused with them).
  const adapter = app.getHttpAdapter() as TallyHttpAdapter;
  const secrets = app.get(Secrets);
  adapter.records.attach(operations.metricsEnabled ? app.get(Metrics) : undefined, secrets);
  adapter.requestIds.attach(secrets);
  installEdgeHooks(adapter.getInstance(), {
    config: operations,
    keys: new ApiKeys(config),
    ingestMaxBatch: config.ingestMaxBatch,
    records: adapter.records,
    requestIds: adapter.requestIds,
    secrets,
    early: adapter.early,
    routes: adapter.routes,
    closing: () => adapter.shutdownStarted,
    serverClosing: () => adapter.serverClosing,
    logger,
  });
  registerBodyParsers(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new EnvelopeInterceptor());
  app.useGlobalFilters(new AllExceptionsFilter(logger, adapter.routes));
  const cors = corsOptions(operations);
  if (cors !== undefined) app.enableCors(cors);
  setupSwagger(app, config.appVersion);
}
