import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { RolloutJob, RolloutSource, ScoredSession } from '../rollouts';
import { decodeWeights, encodeWeights } from './weights-codec';

export const ROLLOUT_QUEUE = 'closer-rollouts';

/** What one queued job asks a worker to play. */
interface RolloutChunk {
  runId: string;
  /** Redis key of the weights blob to play with (one per weights version of the run). */
  weightsKey: string;
  /** How the producer's sessions are played and scored (JSON), passed to the worker's source factory. */
  settings: unknown;
  jobs: RolloutJob[];
}

const WEIGHTS_TTL_SECONDS = 24 * 3600;

export interface BullMqOptions {
  redisUrl: string;
  /** BullMQ key prefix: separates deployments (or tests) sharing one Redis. */
  prefix?: string;
}

const queueOptions = (o: BullMqOptions) => ({ connection: { url: o.redisUrl, maxRetriesPerRequest: null }, prefix: o.prefix ?? 'closer' });

/**
 * Rollouts fanned out to worker processes on any machine through BullMQ on Redis: each call to
 * `play` becomes chunks of jobs on one queue; workers fetch the run's current weights from Redis
 * when the version changes, play the chunk with their local pool, and return the scored sessions.
 */
export class BullMqRolloutSource implements RolloutSource {
  private readonly queue: Queue<RolloutChunk, ScoredSession[]>;
  private readonly events: QueueEvents;
  private readonly redis: IORedis;
  private weightsVersion = 0;
  private weightsKey: string | undefined;

  private readonly runId: string;
  private readonly prefix: string;
  private readonly chunkSize: number;
  private readonly jobTimeoutMs: number;

  private readonly settings: unknown;

  constructor(o: BullMqOptions & { runId: string; settings?: unknown; chunkSize?: number; jobTimeoutMs?: number }) {
    this.runId = o.runId;
    this.prefix = queueOptions(o).prefix;
    this.settings = o.settings ?? null;
    this.chunkSize = o.chunkSize ?? 8;
    this.jobTimeoutMs = o.jobTimeoutMs ?? 10 * 60_000;
    this.redis = new IORedis(o.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(ROLLOUT_QUEUE, queueOptions(o));
    this.events = new QueueEvents(ROLLOUT_QUEUE, queueOptions(o));
  }

  async setWeights(params: Map<string, Float32Array>): Promise<void> {
    const previous = this.weightsKey;
    // Under the deployment's prefix: runs of two deployments sharing a Redis may share a run id.
    this.weightsKey = `${this.prefix}:rollouts:${this.runId}:weights:${++this.weightsVersion}`;
    await this.redis.set(this.weightsKey, encodeWeights(params), 'EX', WEIGHTS_TTL_SECONDS);
    if (previous) await this.redis.del(previous);
  }

  async play(jobs: RolloutJob[]): Promise<ScoredSession[]> {
    const weightsKey = this.weightsKey;
    if (!weightsKey) throw new Error('BullMqRolloutSource: setWeights before play');
    await this.events.waitUntilReady();
    const chunks: RolloutJob[][] = [];
    for (let i = 0; i < jobs.length; i += this.chunkSize) chunks.push(jobs.slice(i, i + this.chunkSize));
    // Finished jobs stay a while: waitUntilFinished reads a job that may complete before it listens.
    const queued = await this.queue.addBulk(
      chunks.map((chunk) => ({ name: 'play', data: { runId: this.runId, weightsKey, settings: this.settings, jobs: chunk }, opts: { attempts: 2, removeOnComplete: { age: 600 }, removeOnFail: { age: 86400 } } })),
    );
    const results = await Promise.all(queued.map((job) => job.waitUntilFinished(this.events, this.jobTimeoutMs) as Promise<ScoredSession[]>));
    return results.flat();
  }

  async close(): Promise<void> {
    if (this.weightsKey) await this.redis.del(this.weightsKey);
    await Promise.all([this.queue.close(), this.events.close()]);
    this.redis.disconnect();
  }
}

/**
 * A rollout worker process: plays queued chunks with a local source (its own pool) made for the
 * chunk's settings, loading the weights a chunk names whenever they differ from the ones it holds.
 * Every source `sourceFor` returns must share the weights (e.g. wrap one pool).
 */
export function serveRollouts(o: BullMqOptions, sourceFor: (settings: unknown) => RolloutSource): { close(): Promise<void> } {
  const redis = new IORedis(o.redisUrl, { maxRetriesPerRequest: null });
  let loaded: string | undefined;
  const worker = new Worker<RolloutChunk, ScoredSession[]>(
    ROLLOUT_QUEUE,
    async (job: Job<RolloutChunk>) => {
      const local = sourceFor(job.data.settings);
      if (job.data.weightsKey !== loaded) {
        const blob = await redis.getBuffer(job.data.weightsKey);
        if (!blob) throw new Error(`weights ${job.data.weightsKey} are gone from Redis`);
        await local.setWeights(decodeWeights(blob));
        loaded = job.data.weightsKey;
      }
      return local.play(job.data.jobs);
    },
    // One chunk at a time: a chunk may swap the weights the next one plays with.
    { ...queueOptions(o), concurrency: 1 },
  );
  return {
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}
