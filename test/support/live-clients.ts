import { INestApplication } from '@nestjs/common';
import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { AdminActor, AdminRole, ApiKeyManager } from '../../src/admin';
import { listen } from './chat-client';
import { startTestApp, TestAppOptions } from './test-app';
import { dropSchema, testSchemaConfig } from './test-database';

export type Heard = [string, Record<string, unknown>][];
export type AdminMethod = 'get' | 'post' | 'put' | 'delete';

/** Every event a socket receives, in order. */
export function recordAll(socket: Socket): Heard {
  const heard: Heard = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => heard.push([event, payload]));
  return heard;
}

/** A dashboard's socket on `/admin` (the key in the handshake), connected, recording what it hears. */
export async function adminSocket(url: string, key: string): Promise<{ socket: Socket; heard: Heard }> {
  const socket = io(`${url}/admin`, { transports: ['websocket'], forceNew: true, auth: { key } });
  const heard = recordAll(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
  return { socket, heard };
}

/** A request to `/api/v1/admin/<path>`, with the key as a bearer token when given. */
export function adminCall(app: INestApplication, method: AdminMethod, path: string, key?: string, body?: unknown) {
  const req = request(app.getHttpServer())[method](`/api/v1/admin/${path}`);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
}

/** Waits (up to 5 s) for something a socket or the database will show; fails naming it. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const setupActor: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };

/**
 * The real app on a throw-away schema, listening, with an API key per entry of `roles` (named
 * `<name>-key`); `close` disconnects the sockets the test kept in `sockets` and drops the schema.
 */
export async function startLiveApp(label: string, options: TestAppOptions, roles: Record<string, AdminRole>) {
  const dbConfig = testSchemaConfig(label);
  const { app, db } = await startTestApp(dbConfig, options);
  const url = await listen(app);
  const keys: Record<string, { key: string; id: string }> = {};
  for (const [name, role] of Object.entries(roles)) {
    const created = await app.get(ApiKeyManager).create(setupActor, `${name}-key`, role);
    keys[name] = { key: created.key, id: created.id };
  }
  const sockets: Socket[] = [];
  return {
    app,
    db,
    url,
    dbConfig,
    keys,
    sockets,
    sql: (text: string, params: unknown[] = []) => db.dataSource.query(text, params),
    call: (method: AdminMethod, path: string, key?: string, body?: unknown) => adminCall(app, method, path, key, body),
    close: async () => {
      sockets.forEach((s) => s.disconnect());
      await app.close();
      await dropSchema(dbConfig.schema);
    },
  };
}
