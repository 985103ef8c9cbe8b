/** A rollout worker thread: one RolloutPlayer (its own ORT session), fed jobs by the pool. */
import { parentPort, workerData } from 'node:worker_threads';
import { FromWorker, ToWorker, WorkerInit } from './protocol';
import { RolloutPlayer } from './rollout-player';

async function main(): Promise<void> {
  const port = parentPort!;
  const send = (message: FromWorker) => port.postMessage(message);
  const { player: options } = workerData as WorkerInit;
  let player: RolloutPlayer;
  try {
    player = await RolloutPlayer.load(options);
  } catch (err) {
    return send({ type: 'fatal', message: (err as Error).message });
  }
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      void player.release().then(() => port.close());
      return;
    }
    const work = message.type === 'play' ? player.play(message.job) : player.setWeights(message.weights);
    work.then(
      (session) => send(message.type === 'play' ? { type: 'played', id: message.id, session: session! } : { type: 'weights-set', id: message.id }),
      (err: Error) => send({ type: 'failed', id: message.id, message: err.message }),
    );
  });
  send({ type: 'ready' });
}

void main();
