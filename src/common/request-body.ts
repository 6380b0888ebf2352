import { isUtf8 } from 'node:buffer';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { announcesBody } from '../http/request-checks.js';
import { numberReviver, scanJson } from './json-text.js';
import { ApiError } from './api-error.js';
import { jsonPath } from './input-rules.js';

/**
 * Request bodies: JSON only, parsed here instead of by Fastify's defaults, so that every way a
 * body can be wrong is refused before anything recurses over it, with a message that says what
 * is wrong (Fastify's own messages never reach a client).
 */

/**
 * The deepest nesting of objects and arrays a JSON body may have. Real documents are far
 * shallower (an ingest batch takes 3 levels before an event's free-form payload, leaving it 61),
 * and the bound keeps code that recurses over a body (class-transformer, serializers) from
 * running out of stack: a body nested thousands of levels deep is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** The largest request body accepted, in bytes. */
export const REQUEST_BODY_LIMIT = 1024 * 1024;

/** What a client is told about a body it sent wrong: the messages the OpenAPI document lists. */
export const BODY_MESSAGES = {
  notJson: 'request body must be JSON, sent with Content-Type: application/json',
  charset: 'request body must be JSON in UTF-8: the Content-Type charset must be utf-8 or absent',
  encoded: 'request body must not be compressed: Content-Encoding is not supported',
  transferCoded:
    'request body must not be compressed: Transfer-Encoding other than chunked is not supported',
  notUtf8: 'request body must be valid UTF-8',
  invalidJson: 'request body must be valid JSON',
  tooDeep: `request body must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`,
  prototypeKey: (path: string) =>
    `${path} is not allowed: a body must not contain a __proto__ key or a constructor.prototype key`,
  lengthMismatch: 'request body size does not match its Content-Length header',
  notObject: 'request body must be a JSON object',
  bodyOnGet: 'a GET request takes no body: send its parameters in the query string',
  tooLarge: (limit: number) => `request body is too large: at most ${limit} bytes are accepted`,
} as const;

function invalid(message: string, status = 400): ApiError {
  return new ApiError('invalid_request', message, [], status);
}

/** Keys that could replace an object's prototype when it is copied: refused. */
const PROTOTYPE_KEYS = { protoAction: 'error', constructorAction: 'error' } as const;

/** `text` parsed by `JSON.parse` (the error path only), or undefined when it is not JSON. */
function plainParse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch {
    return undefined;
  }
}

/**
 * The path of the first prototype key in `value` (a parsed body, whose `__proto__` keys
 * `JSON.parse` keeps as plain own properties), e.g. `events[0].__proto__` or
 * `events[0].payload.constructor.prototype`. Walks the tree without recursion.
 */
function prototypeKeyPath(value: unknown): string {
  const pending: { node: unknown; path: string }[] = [{ node: value, path: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, path } = next;
    if (node === null || typeof node !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(node)
      ? node.map((item, index) => [index, item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      if (key === '__proto__') return jsonPath(path, key);
      const isObject = child !== null && typeof child === 'object';
      if (key === 'constructor' && isObject && Object.hasOwn(child, 'prototype')) {
        return jsonPath(jsonPath(path, key), 'prototype');
      }
    }
    // Pushed in reverse, so the first key's subtree is searched first.
    for (const [key, child] of entries.reverse()) {
      pending.push({ node: child, path: jsonPath(path, key) });
    }
  }
  return 'a key';
}

/** The charset parameter of a Content-Type header, lower-cased, or undefined. */
function charsetOf(contentType: string | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const [name, value = ''] = parameter.split('=', 2);
    if (name.trim().toLowerCase() === 'charset') {
      return value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return undefined;
}

/** The request headers a body is read by. */
export type BodyHeaders = Pick<
  FastifyRequest['headers'],
  'content-type' | 'content-encoding' | 'transfer-encoding'
>;

/**
 * Parses an `application/json` body: UTF-8, not compressed, at most MAX_JSON_DEPTH levels deep,
 * valid JSON, without keys that could replace an object's prototype when copied. An empty body
 * is no body.
 */
export function parseJsonBody(headers: BodyHeaders, body: Buffer): unknown {
  const charset = charsetOf(headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw invalid(BODY_MESSAGES.charset, 415);
  }
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') throw invalid(BODY_MESSAGES.encoded, 415);
  // HTTP reads `chunked` itself; any other coding (`gzip, chunked`) would reach here undone.
  const codings = (headers['transfer-encoding'] ?? '').toLowerCase().split(',');
  if (codings.some((coding) => !['', 'chunked'].includes(coding.trim()))) {
    throw invalid(BODY_MESSAGES.transferCoded, 415);
  }
  if (body.length === 0) return undefined;
  if (!isUtf8(body)) throw invalid(BODY_MESSAGES.notUtf8);
  const text = body.toString('utf8');
  const scan = scanJson(text, MAX_JSON_DEPTH);
  if (scan.tooDeep) throw invalid(BODY_MESSAGES.tooDeep);
  try {
    // JSON.parse (numbers read by the one rule, see json-text.ts), then (only when the text
    // may hold one) a search for the prototype keys.
    return secureJson.parse(text, numberReviver(scan), PROTOTYPE_KEYS);
  } catch {
    const parsed = plainParse(text);
    if (!parsed) throw invalid(BODY_MESSAGES.invalidJson);
    const parameter = prototypeKeyPath(parsed.value);
    const message = BODY_MESSAGES.prototypeKey(parameter);
    throw new ApiError('invalid_request', message, [{ parameter, message }]);
  }
}

/** Any other content type: an empty body is no body; anything else is refused. */
function refuseOtherBody(body: Buffer): undefined {
  if (body.length > 0) throw invalid(BODY_MESSAGES.notJson, 415);
  return undefined;
}

/**
 * Replaces Fastify's and Nest's body parsers (JSON with Fastify's messages, plain text and
 * forms, which no route takes) with the two above, and refuses a body on a GET or HEAD
 * request, which Fastify would silently ignore. Called before the app initializes.
 */
export function registerBodyParsers(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  app.useBodyParser('application/json', {}, async (request: FastifyRequest, body: Buffer) =>
    parseJsonBody(request.headers, body),
  );
  // Registered through Nest too, so that Nest adds no default parser of its own at start-up.
  app.useBodyParser('*', {}, async (_request: FastifyRequest, body: Buffer) =>
    refuseOtherBody(body),
  );
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    if (announcesBody(request.raw)) {
      // Refused unread: the connection closes after the answer (see installEdgeHooks).
      void reply.header('connection', 'close');
      throw invalid(BODY_MESSAGES.bodyOnGet);
    }
  });
}

/** Fastify's own errors about a request body, as the message a client gets (see BODY_MESSAGES). */
export function bodyErrorMessage(code: string, request: FastifyRequest): string | undefined {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return BODY_MESSAGES.tooLarge(request.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return BODY_MESSAGES.lengthMismatch;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return BODY_MESSAGES.notJson;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return BODY_MESSAGES.invalidJson;
    default:
      return undefined;
  }
}
