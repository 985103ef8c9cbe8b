/** A served model's inference thread: loads the model, compiles its step shapes, then serves requests. */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ChatModel } from '../chat-model';
import { WorkerStart } from '../worker-thread';
import { FromServing, ServingInit, ServingReady, ToServing, Warmup } from './protocol';
import { ServingHost } from './serving-host';

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as ServingInit;
  lowerThisThreadsPriority();
  let model: ChatModel;
  let warmup: Warmup | undefined;
  try {
    // The queue bound is the handle's: it refuses `busy` synchronously, before anything crosses.
    model = await ChatModel.load(init.dir, { capacity: init.capacity, maxBatch: init.maxBatch, weights: init.weights, allShapes: init.precompile, intraOpThreads: init.intraOpThreads });
    if (init.precompile) warmup = await model.generator.precompile();
  } catch (err) {
    port.postMessage({ type: 'fatal', message: (err as Error).message } satisfies WorkerStart<ServingReady>);
    return;
  }
  const host = new ServingHost(model, init.cacheBytes, (events) => port.postMessage({ type: 'events', events } satisfies FromServing));
  port.on('message', (m: ToServing) => {
    if (m.type === 'submit') host.submit(m.id, m.request, m.cancelled);
    else if (m.type === 'cancel') host.cancel(m.id);
    else if (m.type === 'forget') host.forget(m.conversationId);
    else void host.release().then(() => port.close());
  });
  port.postMessage({ type: 'ready', maxContext: model.generator.lm.maxContext, warmup } satisfies WorkerStart<ServingReady>);
}

/** How much nicer than the main thread inference runs (Linux nice values: +10 gets about a tenth of the CPU share under contention). */
const INFERENCE_NICENESS = 10;

/**
 * On Linux, setpriority(PRIO_PROCESS, 0) changes the calling thread only, and the ORT pool threads
 * this thread starts inherit it: when the cores are busy, the main thread's sockets and queries go
 * first and the steps take the rest (event-loop delay under load, docs/performance.md). Elsewhere
 * the call would lower the whole process, so it is not made.
 */
function lowerThisThreadsPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, Math.min(19, getPriority(0) + INFERENCE_NICENESS));
  } catch {
    // A system that refuses leaves inference at the process's priority, as without this.
  }
}

void main();
