import { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread';
import { FromWorker, ToWorker, WorkerInit } from './protocol';
import { RolloutPlayer } from './rollout-player';
import { PolicyWeights, RolloutJob, RolloutPlayerOptions, RolloutSession } from './types';

export interface RolloutPoolOptions extends Omit<RolloutPlayerOptions, 'maxBatch' | 'intraOpThreads'> {
  /** Worker threads, each with its own model; 0 plays in the calling thread (tests, the sequential baseline). */
  workers: number;
  /** ORT intra-op threads per worker (1 when each core gets a worker). */
  intraOpThreads?: number;
  /** Replies batched together inside each worker (continuous batching). */
  maxBatchPerWorker?: number;
}

/** A session handed to a player, waiting for its result. */
interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Where sessions are played: worker threads, or the calling thread. */
interface Lane {
  inFlight: number;
  readonly capacity: number;
  play(job: RolloutJob): Promise<RolloutSession>;
  setWeights(weights: PolicyWeights): Promise<void>;
  close(): Promise<void>;
}

/**
 * Plays simulated sessions on a pool of players, fed from one queue: each lane keeps up to its
 * batch size of sessions in flight, so its generator's batch stays full. Results come back in
 * job order and depend only on each job (persona, seed, sampling) and the weights, not on the
 * number of workers or how sessions were batched (up to float rounding, see docs/performance.md).
 */
export class RolloutPool {
  private readonly queue: { job: RolloutJob; pending: Pending }[] = [];

  private constructor(private readonly lanes: Lane[]) {}

  static async create(o: RolloutPoolOptions): Promise<RolloutPool> {
    const { workers, intraOpThreads = 1, maxBatchPerWorker = 32, ...rest } = o;
    const player: RolloutPlayerOptions = { ...rest, intraOpThreads, maxBatch: maxBatchPerWorker };
    if (workers === 0) return new RolloutPool([await InThreadLane.create(player)]);
    return new RolloutPool(await Promise.all(Array.from({ length: workers }, () => WorkerLane.create(player))));
  }

  /** Plays every job; results in job order. */
  play(jobs: RolloutJob[]): Promise<RolloutSession[]> {
    const results = jobs.map((job) => new Promise<RolloutSession>((resolve, reject) => this.queue.push({ job, pending: { resolve: resolve as (v: unknown) => void, reject } })));
    this.dispatch();
    return Promise.all(results);
  }

  /**
   * Replaces the policy weights in every player (between `play` calls). Weights are graph
   * inputs, so this costs a copy to each worker, not a recompilation.
   */
  async setWeights(weights: PolicyWeights): Promise<void> {
    if (this.lanes.some((l) => l.inFlight > 0) || this.queue.length > 0) throw new Error('setWeights while sessions are being played');
    await Promise.all(this.lanes.map((l) => l.setWeights(weights)));
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }

  private dispatch(): void {
    for (;;) {
      const lane = this.lanes.reduce<Lane | undefined>((best, l) => (l.inFlight < l.capacity && (!best || l.inFlight < best.inFlight) ? l : best), undefined);
      const next = lane && this.queue.shift();
      if (!lane || !next) return;
      lane.inFlight++;
      lane.play(next.job).then(next.pending.resolve, next.pending.reject).finally(() => {
        lane.inFlight--;
        this.dispatch();
      });
    }
  }
}

class InThreadLane implements Lane {
  inFlight = 0;

  private constructor(private readonly player: RolloutPlayer) {}

  static async create(options: RolloutPlayerOptions): Promise<InThreadLane> {
    return new InThreadLane(await RolloutPlayer.load(options));
  }

  get capacity(): number {
    return this.player.maxBatch;
  }

  play(job: RolloutJob): Promise<RolloutSession> {
    return this.player.play(job);
  }

  setWeights(weights: PolicyWeights): Promise<void> {
    return this.player.setWeights(weights);
  }

  close(): Promise<void> {
    return this.player.release();
  }
}

class WorkerLane implements Lane {
  inFlight = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly capacity: number,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready' || m.type === 'fatal') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'failed') p?.reject(new Error(`rollout worker: ${m.message}`));
      else p?.resolve(m.type === 'played' ? m.session : undefined);
    });
    const failAll = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      this.exited = true;
      failAll(new Error(`rollout worker exited (code ${code})`));
    });
  }

  static async create(player: RolloutPlayerOptions): Promise<WorkerLane> {
    const init: WorkerInit = { player };
    const { worker } = await startWorker(__dirname, 'rollout-worker', init, 'rollout worker');
    return new WorkerLane(worker, player.maxBatch!);
  }

  play(job: RolloutJob): Promise<RolloutSession> {
    return this.request((id) => ({ type: 'play', id, job })) as Promise<RolloutSession>;
  }

  async setWeights(weights: PolicyWeights): Promise<void> {
    const plain = weights instanceof Map ? Object.fromEntries(weights) : (weights as Exclude<PolicyWeights, ReadonlyMap<string, Float32Array>>);
    await this.request((id) => ({ type: 'weights', id, weights: plain }));
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await exited;
  }

  private request(message: (id: number) => ToWorker): Promise<unknown> {
    // A worker that died answers nothing: what is sent to it fails at once.
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message(id));
    });
  }
}
