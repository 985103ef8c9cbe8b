import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorBody } from './error-body';

/** Node's HTTP parser errors that are the client's, as the status and code they are answered with. */
const answers: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'the request line and headers are too large'],
  HPE_URI_TOO_LONG: [414, 'uri_too_long', 'the request URL is too long'],
};

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers or URL over the 16 kB
 * limit, malformed request lines) are answered `{ code, message }` like every other error,
 * instead of Node's bare status line; the connection is closed after it.
 */
export function answerParserErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const [status, code, message] = answers[err.code ?? ''] ?? [400, 'bad_request', 'the request could not be parsed as HTTP'];
    const body = JSON.stringify({ code, message } satisfies ErrorBody);
    socket.end(`HTTP/1.1 ${status} ${code}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}
