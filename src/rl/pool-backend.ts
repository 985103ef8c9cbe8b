import { randomUUID } from 'node:crypto';
import { ProductCatalog } from '../catalog';
import { ExecutionProvider } from '../engine';
import { loadCheckpoint } from '../model';
import { RolloutPool, RolloutPoolOptions } from '../model/rollout';
import { ComplianceRule, RewardConfig } from '../scoring';
import { Persona, VisitorKind } from '../simulator';
import { PolicyOptimizer, PolicyOptimizerConfig } from './policy';
import { BullMqRolloutSource } from './distributed/bullmq-rollouts';
import { PoolRolloutSettings, PoolRolloutSource, RolloutRewards } from './pool-rollouts';
import { RolloutSource } from './rollouts';

export interface PoolTrainingOptions {
  /** The initial (and reference) model folder. */
  init: string;
  /** What the agent sells and who the simulator plays; remote rollout workers must be started with the same. */
  catalog: ProductCatalog;
  personas: Persona[];
  device: ExecutionProvider;
  /** Rollout worker threads (one ORT thread each). */
  workers: number;
  maxAgentTurns: number;
  optimizer: PolicyOptimizerConfig;
  rewards: RewardConfig;
  rewardScale: number;
  /** The visitor training rollouts play against; held-out evaluation plays the strict one unless its plan names another. */
  visitor?: VisitorKind;
  /** The compliance rules turns are scored with; the shipped ones when absent. */
  complianceRules?: ComplianceRule[];
  /** ORT threads of the update (rollouts and updates take turns on the same cores). */
  updateThreads: number;
  /** Play rollouts on `closer rollout-worker` processes through BullMQ on this Redis instead of a local pool. */
  redisUrl?: string;
}

export interface PoolTraining {
  optimizer: PolicyOptimizer;
  /** On-policy sampling, for training. */
  rollouts: RolloutSource;
  /** The serving sampling (what visitors get), for held-out evaluation; same pool, same weights. */
  evaluation: RolloutSource;
  close(): Promise<void>;
}

/** What a run trains with: the policy optimizer on the initial model, and rollouts from a local pool or remote workers. */
export async function openPoolTraining(o: PoolTrainingOptions): Promise<PoolTraining> {
  const checkpoint = await loadCheckpoint(o.init);
  // The loaded arrays themselves: the optimizer copies what it trains and only reads the rest.
  const initial = new Map([...checkpoint.tensors].map(([name, t]) => [name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)]));
  const optimizer = await PolicyOptimizer.create(checkpoint.config, initial, o.optimizer, { executionProvider: o.device, intraOpThreads: o.updateThreads });
  const rewards: RolloutRewards = { turnWeights: o.rewards.turnWeights, sessionReward: o.rewards.sessionReward, rewardScale: o.rewardScale };
  const settings = (sampling: PoolRolloutSettings['sampling']): PoolRolloutSettings => ({
    sampling,
    maxAgentTurns: o.maxAgentTurns,
    rewards,
    complianceRules: o.complianceRules,
    visitor: sampling === 'on-policy' ? (o.visitor ?? 'strict') : 'strict',
  });
  if (o.redisUrl) {
    const runId = randomUUID();
    const remote = (s: PoolRolloutSettings) => new BullMqRolloutSource({ redisUrl: o.redisUrl!, runId, settings: s });
    const [rollouts, evaluation] = [remote(settings('on-policy')), remote(settings('serving'))];
    return { optimizer, rollouts, evaluation, close: async () => void (await Promise.all([optimizer.release(), rollouts.close(), evaluation.close()])) };
  }
  const pool = await openRolloutPool({ modelDir: o.init, catalog: o.catalog, personas: o.personas, workers: o.workers, contextTokens: o.optimizer.sequenceLength + 1, maxAgentTurns: o.maxAgentTurns });
  return {
    optimizer,
    rollouts: new PoolRolloutSource(pool, settings('on-policy'), o.catalog),
    evaluation: new PoolRolloutSource(pool, settings('serving'), o.catalog),
    close: async () => void (await Promise.all([optimizer.release(), pool.close()])),
  };
}

/** A pool of single-threaded rollout workers (rollouts and updates take turns on the same cores). */
export function openRolloutPool(o: Omit<RolloutPoolOptions, 'intraOpThreads'>): Promise<RolloutPool> {
  return RolloutPool.create({ ...o, intraOpThreads: 1 });
}
