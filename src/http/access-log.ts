import { symbols, type DestinationStream, type Logger } from 'pino';
import type { Secrets } from '../common/secrets.js';
import type { Metrics } from '../metrics/metrics.service.js';
import { TARGET_USERINFO } from './request-checks.js';

/** Longest request URL written to an access line. */
const MAX_LOGGED_URL = 1000;

/** A query parameter with a value: its name (with the `?` or `&` before it) and its value. */
const QUERY_PARAMETER = /([?&])([^=&#]*)=([^&#]*)/g;

/** Names of query parameters that say they carry a secret (`?api_key=…`, `?token=…`). */
const SECRET_NAME = /key|token|secret|password|auth/i;

/** A query parameter's name as the service reads it (percent-decoded, `+` a space). */
function parameterName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

const REDACTED = '[redacted]';

/** `char` as a regular expression matching it literally. */
const literal = (char: string) => char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `%hh` for one byte, its hex digits in either case. */
const escapedByte = (byte: number) =>
  `%${[...byte.toString(16).padStart(2, '0')]
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join('')}`;

/**
 * A pattern matching `secret` in a URL however a client escaped its characters: each character
 * as itself or percent-encoded (its UTF-8 bytes, hex digits in either case), a space also as `+`.
 */
function anySpelling(secret: string): string {
  return [...secret]
    .map((char) => {
      const forms = [literal(char), [...Buffer.from(char, 'utf8')].map(escapedByte).join('')];
      if (char === ' ') forms.push('\\+');
      return `(?:${forms.join('|')})`;
    })
    .join('');
}

/** URLs whose logged form is remembered; the memo starts over when it reaches this size. */
const MAX_REMEMBERED_URLS = 1_000;

/** pino's number for `info`. */
const INFO = 30;

/** Characters a JSON string cannot hold as they are (and UTF-16 surrogates, escaped if lone). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON must escape
const NEEDS_ESCAPING = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A string, or null, as JSON. Most values need no escaping (ids, methods, routes, addresses),
 * and quoting them measured several times cheaper than `JSON.stringify`.
 */
function json(value: string | null): string {
  if (value === null) return 'null';
  return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** One request as its access line and its HTTP metric sample name it. */
export interface RequestRecord {
  requestId: string;
  /** Null when the request line could not be read. */
  method: string | null;
  /** The route pattern that matched; null when none did (or the request never reached one). */
  route: string | null;
  url: string | null;
  status: number;
  ms: number;
  remoteAddress: string | null;
}

/**
 * What every request leaves behind, whatever answered it (Nest, the cache-hit hook, the rate
 * limiter, or Node's HTTP server refusing it before Fastify): one access line at `info`
 * (`LOG_LEVEL=warn` turns them off) and one sample in the HTTP histogram (METRICS_ENABLED).
 * Keys never reach a line: a configured key anywhere in the URL, and the value of any query
 * parameter named like a secret, are written as `[redacted]`.
 */
export class RequestRecords {
  private readonly logged: boolean;
  private metrics: Metrics | undefined;
  /** The configured keys, each however it may be spelled in a URL (see anySpelling). */
  private secrets: RegExp | undefined;
  /** Recent URLs, as their lines show them (JSON). */
  private readonly loggedUrls = new Map<string, string>();

  constructor(private readonly logger: Logger) {
    this.logged = logger.isLevelEnabled('info');
  }

  /**
   * Once the app exists: its metrics (undefined: METRICS_ENABLED=false) and keys, the longest
   * first (so no key is left half redacted by a shorter one inside it).
   */
  attach(metrics: Metrics | undefined, secrets: Secrets): void {
    this.metrics = metrics;
    const patterns = [...secrets.texts].sort((a, b) => b.length - a.length).map(anySpelling);
    this.secrets = patterns.length > 0 ? new RegExp(patterns.join('|'), 'g') : undefined;
    this.loggedUrls.clear();
  }

  record(request: RequestRecord): void {
    const { method, route, status, ms } = request;
    this.metrics?.observeHttpRequest(method ?? 'unknown', route ?? 'unmatched', status, ms / 1000);
    if (this.logged) this.write(request);
  }

  /**
   * Writes the access line to the logger's destination, as `logger.info({...}, 'request')`
   * would write it (its level, time and bindings, then the fields, then `msg`), for a fraction
   * of pino's cost: the line is written for every request, and its fields are always the same
   * few strings and numbers. access-log.spec.ts checks that the two lines are the same.
   */
  private write(request: RequestRecord): void {
    const logger = this.logger as Logger & Record<symbol, unknown>;
    const time = (logger[symbols.timeSym] as () => string)();
    const bindings = logger[symbols.chindingsSym] as string;
    const url = request.url === null ? 'null' : this.urlJson(request.url);
    const line =
      `{"level":${INFO}${time}${bindings},"request_id":${json(request.requestId)},` +
      `"method":${json(request.method)},"route":${json(request.route)},"url":${url},` +
      `"status":${request.status},"duration_ms":${Math.round(request.ms * 1000) / 1000},` +
      `"remote_address":${json(request.remoteAddress)},"msg":"request"}\n`;
    (logger[symbols.streamSym] as DestinationStream).write(line);
  }

  /** `loggedUrl(url)` as JSON; recent short URLs are remembered. */
  private urlJson(url: string): string {
    let shown = this.loggedUrls.get(url);
    if (shown !== undefined) return shown;
    shown = JSON.stringify(this.loggedUrl(url));
    if (url.length <= MAX_LOGGED_URL) {
      if (this.loggedUrls.size >= MAX_REMEMBERED_URLS) this.loggedUrls.clear();
      this.loggedUrls.set(url, shown);
    }
    return shown;
  }

  /**
   * `url` as an access line shows it: secrets redacted, however they were escaped, and user
   * credentials (`http://user:pw@host/…`), then cut at MAX_LOGGED_URL characters (in that order,
   * so a cut never leaves part of a secret).
   */
  loggedUrl(url: string): string {
    let shown = this.secrets ? url.replace(this.secrets, REDACTED) : url;
    if (!shown.startsWith('/')) shown = shown.replace(TARGET_USERINFO, `$1${REDACTED}@`);
    if (shown.includes('?')) {
      shown = shown.replace(QUERY_PARAMETER, (pair: string, start: string, name: string) =>
        SECRET_NAME.test(parameterName(name)) ? `${start}${name}=${REDACTED}` : pair,
      );
    }
    return shown.length > MAX_LOGGED_URL ? `${shown.slice(0, MAX_LOGGED_URL)}…` : shown;
  }
}
