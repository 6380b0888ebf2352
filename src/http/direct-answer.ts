import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestRecords } from './access-log.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** What Fastify sends for a serialized object; answers sent as bytes set it. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The error envelope of an answer given without Fastify, as JSON. */
export function envelopeText(code: string, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, details: [], request_id: requestId } });
}

/** An error answered on Node's response itself, without Fastify. */
export interface DirectAnswer {
  status: number;
  code: string;
  message: string;
  requestId: string;
  /** The security headers of the request's URL, and any other header of the answer. */
  headers: Record<string, string>;
  remoteAddress: string | null;
}

/**
 * Sends `answer` as the error envelope on `response`, for a request Fastify never sees (Node
 * handles it) or must not answer (the server is closing), and leaves its access line and metric
 * sample (`records`).
 */
export function answerDirectly(
  request: IncomingMessage,
  response: ServerResponse,
  answer: DirectAnswer,
  records: RequestRecords,
): void {
  const started = performance.now();
  const { status, code, message, requestId } = answer;
  const body = envelopeText(code, message, requestId);
  response
    .writeHead(status, {
      ...answer.headers,
      [REQUEST_ID_HEADER]: requestId,
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
  records.record({
    requestId,
    method: request.method ?? null,
    route: null,
    url: request.url ?? null,
    status,
    ms: performance.now() - started,
    remoteAddress: answer.remoteAddress,
  });
}
