import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The built server entry point (benchmarks run from dist/bench); BENCH_SERVER_MAIN: another build's
 * `dist/src/main.js` (an older commit built in a scratch copy), for before/after runs.
 */
const mainJs = process.env.BENCH_SERVER_MAIN ?? join(__dirname, '..', '..', 'src', 'main.js');

export const defaultDatabaseUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name nobody else uses: each benchmark run gets its own, dropped afterwards. */
export const throwAwaySchema = (bench: string) => `bench_${bench}_${randomBytes(4).toString('hex')}`;

export const randomPort = () => 30000 + Math.floor(Math.random() * 20000);

export interface BenchServer {
  url: string;
  process: ChildProcess;
}

/** Starts `dist/src/main.js` on loopback with `env` on top of this process's environment; resolves once /health/ready answers. `ipc`: with a message channel. */
export async function startServer(env: Record<string, string>, { port = randomPort(), argv = [] as string[], ipc = false } = {}): Promise<BenchServer> {
  const child = spawn(process.execPath, [...argv, mainJs], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    // The server's log (warnings and errors at LOG_LEVEL=warn) goes to stderr: stdout is the benchmark's JSON.
    stdio: ['ignore', 2, 'inherit', ...(ipc ? (['ipc'] as const) : [])],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the server on port ${port} exited (${code}) before it was ready`))));
  exited.catch(() => undefined); // a later exit (stopServer) is not an error
  const server = { url, process: child };
  try {
    await Promise.race([waitForHealth(`${url}/health/ready`), exited]);
  } catch (err) {
    await stopServer(server);
    throw err;
  }
  return server;
}

export async function stopServer({ process: child }: BenchServer): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function withClient<T>(databaseUrl: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export const dropSchema = (databaseUrl: string, schema: string) => withClient(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));

export const machine = () => ({ cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version });
