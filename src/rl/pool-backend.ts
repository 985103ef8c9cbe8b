import { defaultCatalog } from '../catalog';
import { ExecutionProvider } from '../engine';
import { loadCheckpoint } from '../model';
import { RolloutPool } from '../model/rollout';
import { RewardConfig } from '../scoring';
import { PolicyOptimizer, PolicyOptimizerConfig } from './policy';
import { PoolRolloutSource, RolloutRewards } from './pool-rollouts';
import { RolloutSource } from './rollouts';

export interface PoolTrainingOptions {
  /** The initial (and reference) model folder. */
  init: string;
  device: ExecutionProvider;
  /** Rollout worker threads (one ORT thread each). */
  workers: number;
  maxAgentTurns: number;
  optimizer: PolicyOptimizerConfig;
  rewards: RewardConfig;
  rewardScale: number;
  /** ORT threads of the update (rollouts and updates take turns on the same cores). */
  updateThreads: number;
}

export interface PoolTraining {
  optimizer: PolicyOptimizer;
  /** On-policy sampling, for training. */
  rollouts: RolloutSource;
  /** The serving sampling (what visitors get), for held-out evaluation; same pool, same weights. */
  evaluation: RolloutSource;
  close(): Promise<void>;
}

/** What a run on this machine trains with: a rollout worker pool and the policy optimizer on the initial model. */
export async function openPoolTraining(o: PoolTrainingOptions): Promise<PoolTraining> {
  const checkpoint = await loadCheckpoint(o.init);
  const initial = new Map([...checkpoint.tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
  const optimizer = await PolicyOptimizer.create(checkpoint.config, initial, o.optimizer, { executionProvider: o.device, intraOpThreads: o.updateThreads });
  const pool = await RolloutPool.create({ modelDir: o.init, workers: o.workers, intraOpThreads: 1, contextTokens: o.optimizer.sequenceLength + 1, maxAgentTurns: o.maxAgentTurns });
  const rewards: RolloutRewards = { catalog: defaultCatalog, turnWeights: o.rewards.turnWeights, sessionReward: o.rewards.sessionReward, rewardScale: o.rewardScale };
  return {
    optimizer,
    rollouts: new PoolRolloutSource(pool, rewards, { sampling: 'on-policy', maxAgentTurns: o.maxAgentTurns }),
    evaluation: new PoolRolloutSource(pool, rewards, { sampling: 'serving', maxAgentTurns: o.maxAgentTurns }),
    async close() {
      await Promise.all([optimizer.release(), pool.close()]);
    },
  };
}

