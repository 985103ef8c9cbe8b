import { ChildProcess } from 'node:child_process';
import { freePort } from './private-postgres';
import { spawnEntry, waitForHttp } from './spawn-server';

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal (unless it already exited) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The real server (src/main.ts) as its own process on a free loopback port, ready (`/health/ready`
 * 200) when this resolves. `port`: start on that one (a restart keeps the clients' URL).
 */
export async function startServerProcess(env: Record<string, string>, { port, readyTimeoutMs = 120_000 }: { port?: number; readyTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  // Step shapes compile on first use here (POLICY_PRECOMPILE), and one inference thread holds the batch the tests count rows of:
  // test servers start often; startup.e2e-spec starts one as shipped.
  const child = spawnEntry('src/main.ts', [], { HOST: '127.0.0.1', PORT: String(chosen), LOG_LEVEL: 'warn', NODE_ENV: 'test', POLICY_PRECOMPILE: 'false', POLICY_INFERENCE_THREADS: '1', ...env });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${chosen}`;
  const server: ServerProcess = {
    url,
    port: chosen,
    child,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  try {
    await Promise.race([
      waitForHttp(`${url}/health/ready`, readyTimeoutMs),
      exited.then((e) => Promise.reject(new Error(`server exited during start-up (${e.code ?? e.signal}): ${output.slice(-2000)}`))),
    ]);
  } catch (err) {
    await server.kill('SIGKILL');
    throw err;
  }
  return server;
}
