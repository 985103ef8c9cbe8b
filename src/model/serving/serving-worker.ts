/** A served model's inference thread: loads the model, compiles its step shapes, then serves requests. */
import { parentPort, workerData } from 'node:worker_threads';
import { ChatModel } from '../chat-model';
import { WorkerStart } from '../worker-thread';
import { FromServing, ServingInit, ServingReady, ToServing, Warmup } from './protocol';
import { ServingHost } from './serving-host';

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as ServingInit;
  let model: ChatModel;
  let warmup: Warmup | undefined;
  try {
    // The queue bound is the handle's: it refuses `busy` synchronously, before anything crosses.
    model = await ChatModel.load(init.dir, { capacity: init.capacity, maxBatch: init.maxBatch, weights: init.weights, allShapes: init.precompile });
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

void main();
