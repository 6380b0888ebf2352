import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (the request line and headers, without the blank line) and `body` byte for byte
 * over one connection to `server`, for what an HTTP client library would not send: absolute-form
 * targets, header bytes that are not ASCII, no `Host`. The request is sent with `Connection: close`
 * (and `Host`, unless `host` is false; and `Content-Length`, unless `contentLength` is false).
 */
export async function rawRequest(
  server: Server,
  head: Buffer,
  body = '',
  { host = true, contentLength = true } = {},
): Promise<RawResponse> {
  return connected(server, async (socket) => {
    const length = Buffer.byteLength(body);
    const hostLine = host ? '\r\nHost: 127.0.0.1' : '';
    const lengthLine = contentLength ? `\r\nContent-Length: ${length}` : '';
    const tail = `${hostLine}\r\nConnection: close${lengthLine}\r\n\r\n${body}`;
    // Written, not ended: the server closes the connection after its response (Connection: close).
    socket.write(Buffer.concat([head, Buffer.from(tail)]));
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const [top, ...rest] = text.split('\r\n\r\n');
    const [statusLine, ...lines] = top.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()];
      }),
    );
    return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
  });
}

/**
 * Sends `bytes` over one connection to `server` (several requests pipelined, say) and returns
 * everything the server sends until it closes the connection.
 */
export async function rawExchange(server: Server, bytes: string): Promise<string> {
  return connected(server, async (socket) => {
    socket.write(bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  });
}

/** Runs `talk` over a connection to `server`, listening on a free port meanwhile. */
async function connected<T>(server: Server, talk: (socket: Socket) => Promise<T>): Promise<T> {
  const listener = server.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const { port } = listener.address() as AddressInfo;
    return await talk(connect(port, '127.0.0.1'));
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
}

/**
 * Sends `head` (request line and headers, without the blank line) with `Expect: 100-continue`
 * and the `Content-Length` of `body` (or `declaredLength`), and sends `body` only once the
 * server answers `100 Continue`, as a client should. The server closes the connection after its
 * final response (`Connection: close`).
 */
export async function continueRequest(
  server: Server,
  head: string,
  body: string,
  declaredLength = Buffer.byteLength(body),
): Promise<{ continued: boolean; status: number }> {
  return connected(server, async (socket) => {
    socket.write(
      `${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nExpect: 100-continue\r\n` +
        `Content-Length: ${declaredLength}\r\n\r\n`,
    );
    let text = '';
    let continued = false;
    for await (const chunk of socket) {
      text += (chunk as Buffer).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (!continued && text.startsWith('HTTP/1.1 100 ') && end !== -1) {
        continued = true;
        text = text.slice(end + 4);
        socket.write(body);
      }
    }
    return { continued, status: Number(text.split(' ')[1]) };
  });
}
