import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What a worker thread says first: it is ready (with what it reports), or it could not start. */
export type WorkerStart<Ready> = ({ type: 'ready' } & Ready) | { type: 'fatal'; message: string };

/**
 * Starts the worker thread `<dir>/<name>.js` (compiled) or, from sources (tests, ts-node),
 * `<name>.ts` through swc, and waits for its first message: `ready` resolves with it, `fatal`
 * (or the thread failing before it) rejects, the message prefixed with `what`.
 */
export function startWorker<Ready>(dir: string, name: string, workerData: unknown, what: string): Promise<{ worker: Worker; ready: Ready }> {
  const compiled = join(dir, `${name}.js`);
  const worker = existsSync(compiled) ? new Worker(compiled, { workerData }) : new Worker(join(dir, `${name}.ts`), { workerData, execArgv: ['-r', '@swc-node/register'] });
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerStart<Ready>) => {
      if (m.type === 'ready') resolve({ worker, ready: m });
      else reject(new Error(`${what}: ${m.message}`));
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
  });
}
