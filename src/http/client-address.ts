import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { OperationsConfig } from '../config/operations.config.js';

/** The address of a request whose socket is already gone. */
const UNKNOWN = 'unknown';

/**
 * How the edge names a request's client (its rate-limit bucket, its access line's
 * `remote_address`), from `TRUST_PROXY`:
 *
 * - `false`: the address of the connection;
 * - `true`: the first address of `X-Forwarded-For` (every proxy is trusted);
 * - a hop count `n`: the address `n` hops in front of the connection (the last `n` entries of
 *   `X-Forwarded-For` come from trusted proxies, whatever their address);
 * - addresses or CIDRs: `X-Forwarded-For` is followed back through those proxies only.
 *
 * One function for every path of a request (Fastify's hooks and the answers ahead of Fastify),
 * so that a client has one bucket whichever path serves it.
 */
export function clientAddressOf(
  trustProxy: OperationsConfig['trustProxy'],
): (request: IncomingMessage) => string {
  if (trustProxy === false) return (request) => request.socket.remoteAddress ?? UNKNOWN;
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? (_address: string, hop: number) => hop < trustProxy
        : proxyAddr.compile(trustProxy.split(',').map((address) => address.trim()));
  return (request) => (request.socket.remoteAddress ? proxyAddr(request, trust) : UNKNOWN);
}
