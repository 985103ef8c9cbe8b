import type { PolicyWeights, RolloutJob, RolloutPlayerOptions, RolloutSession } from './types';

/** Messages between the pool and its worker threads. */
export type ToWorker =
  | { type: 'play'; id: number; job: RolloutJob }
  | { type: 'weights'; id: number; weights: Exclude<PolicyWeights, ReadonlyMap<string, Float32Array>> }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'played'; id: number; session: RolloutSession }
  | { type: 'weights-set'; id: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'fatal'; message: string };

export interface WorkerInit {
  player: RolloutPlayerOptions;
}
