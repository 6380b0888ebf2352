import type { IncomingMessage } from 'node:http';
import { clientAddressOf } from './client-address.js';

function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe(clientAddressOf.name, () => {
  const chain = '198.51.100.1, 10.0.0.2, 10.0.0.3';

  it('takes the connection address when no proxy is trusted', () => {
    expect(clientAddressOf(false)(request('10.0.0.9', chain))).toBe('10.0.0.9');
  });

  it('takes the first forwarded address when every proxy is trusted', () => {
    expect(clientAddressOf(true)(request('10.0.0.9', chain))).toBe('198.51.100.1');
    expect(clientAddressOf(true)(request('10.0.0.9'))).toBe('10.0.0.9');
  });

  it('goes back a hop count of proxies, whatever their addresses', () => {
    expect(clientAddressOf(1)(request('10.0.0.9', chain))).toBe('10.0.0.3');
    expect(clientAddressOf(2)(request('10.0.0.9', chain))).toBe('10.0.0.2');
    expect(clientAddressOf(9)(request('10.0.0.9', chain))).toBe('198.51.100.1');
  });

  it('goes back through the listed proxies only', () => {
    const address = clientAddressOf('10.0.0.0/8, 127.0.0.1');
    expect(address(request('10.0.0.9', chain))).toBe('198.51.100.1');
    expect(address(request('10.0.0.9', '198.51.100.1, 203.0.113.5, 10.0.0.3'))).toBe('203.0.113.5');
    expect(address(request('192.0.2.4', chain))).toBe('192.0.2.4');
  });

  it('names a request whose connection is gone "unknown"', () => {
    expect(clientAddressOf(false)(request(undefined))).toBe('unknown');
    expect(clientAddressOf(true)(request(undefined, chain))).toBe('unknown');
  });
});
