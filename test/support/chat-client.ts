import { INestApplication } from '@nestjs/common';
import { io, Socket } from 'socket.io-client';

export type Ack = { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown };

/** Binds the app to a free local port; returns its base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${app.getHttpServer().address().port}`;
}

/** A widget's socket on the `/chat` namespace, connected. */
export function connect(url: string): Promise<Socket> {
  const socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export const request = (socket: Socket, event: string, payload?: unknown) => socket.timeout(60_000).emitWithAck(event, payload) as Promise<Ack>;
