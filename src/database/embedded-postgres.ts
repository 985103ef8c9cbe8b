import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataDirInUseError, DataDirLock } from './data-dir-lock';

export interface EmbeddedPostgres {
  /** postgres:// URL of the loopback socket that speaks the wire protocol for PGlite. */
  url: string;
  stop(): Promise<void>;
}

/** Connections the loopback socket accepts: the owner's one, plus command-line tools sharing it meanwhile. */
const MAX_CONNECTIONS = 8;

/**
 * Starts PGlite (Postgres compiled to WASM) on `dataDir` and serves it on a free loopback port, so
 * the rest of the app reaches it through the same TypeORM/pg path as a real server. Only one
 * process may open a data directory (DataDirLock; DataDirInUseError names the owner, whose
 * published URL other processes of this host may connect to instead). PGlite runs one query at a
 * time and the socket server keeps a transaction's queries together, so each client sizes its pool to 1.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = DataDirLock.claim(dataDir);
  if (!(lock instanceof DataDirLock)) throw new DataDirInUseError(dataDir, lock);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    lock.publish(url);
    let stopped = false;
    return {
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db!.close();
        lock.release();
      },
    };
  } catch (err) {
    await db?.close();
    lock.release();
    throw err;
  }
}
