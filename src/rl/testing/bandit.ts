import { Graph, init, Rng } from '../../engine';
import { declareDecoderParams, parseModelConfig } from '../../model';
import { Episode } from '../episode';
import { defaultPolicyOptimizerConfig, PolicyOptimizer, PolicyOptimizerConfig } from '../policy';
import type { TrainingBackend } from '../experiment/experiment';
import { RolloutJob, RolloutSource, ScoredSession } from '../rollouts';

/**
 * A one-turn bandit for RL tests: a tiny decoder replies to a two-token prompt with one token,
 * and only `BANDIT_REWARDED` converts. Small enough to train in milliseconds, real enough to go
 * through the engine, the loss and the optimizer.
 */
export const banditModel = parseModelConfig({
  vocab_size: 8,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  max_position_embeddings: 16,
  tie_word_embeddings: true,
});
const PROMPT = [1, 2];
export const BANDIT_REWARDED = 5;

export const banditOptimizerConfig: PolicyOptimizerConfig = {
  ...defaultPolicyOptimizerConfig,
  loss: { epsilon: 0.2, epsilonHigh: 0.2, klCoef: 0.01 },
  learningRate: 0.03,
  microBatch: 8,
  sequenceLength: 4,
  epochs: 2,
  miniBatches: 2,
};

export function banditInitialParams(seed: number): Map<string, Float32Array> {
  const g = new Graph();
  // Wider than the usual 0.02 so the initial policy is not uniform; norms keep their ones.
  declareDecoderParams(g, banditModel, (name, shape, initializer) => g.param(name, shape, /norm\.weight$/.test(name) ? initializer : init.normal(0.2)));
  const rng = new Rng(seed);
  return new Map([...g.params].map(([name, p]) => [name, Float32Array.from(p.init(p.value.shape, rng))]));
}

export const banditEpisode = (token: number, logprob: number): Episode => ({
  tokens: [...PROMPT, token],
  agentTurns: [{ start: PROMPT.length, end: PROMPT.length + 1, logprobs: [logprob] }],
  turnRewards: [token === 0 ? -1 : 0],
  sessionReward: token === BANDIT_REWARDED ? 1 : 0,
});

/** π(· | prompt) over the whole vocabulary, read from the training graph's log-probs. */
export async function banditReplyDistribution(policy: PolicyOptimizer): Promise<number[]> {
  const all = Array.from({ length: banditModel.vocabSize }, (_, t) => banditEpisode(t, 0));
  const logProbs = await policy.tokenLogProbs(all);
  return logProbs.map((lp) => Math.exp(lp[PROMPT.length - 1]));
}

export function sampleFrom(distribution: number[], rng: Rng): number {
  let u = rng.next();
  let token = 0;
  while (token < distribution.length - 1 && (u -= distribution[token]) > 0) token++;
  return token;
}

/** Plays the bandit with its own copy of the policy weights, one sample per job seed. */
export class BanditRollouts implements RolloutSource {
  private constructor(private readonly policy: PolicyOptimizer) {}

  static async create(): Promise<BanditRollouts> {
    return new BanditRollouts(await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 }));
  }

  async setWeights(params: Map<string, Float32Array>): Promise<void> {
    for (const [name, values] of params) this.policy.params.set(name, Float32Array.from(values));
  }

  async play(jobs: RolloutJob[]): Promise<ScoredSession[]> {
    const dist = await banditReplyDistribution(this.policy);
    return jobs.map((job) => {
      const token = sampleFrom(dist, new Rng(job.agentSeed));
      return { episode: banditEpisode(token, Math.log(dist[token])), converted: token === BANDIT_REWARDED, identityDetected: false, repetitiveTurns: 0, violations: Number(token === 0), tacticViolations: Number(token === 0) };
    });
  }

  release(): Promise<void> {
    return this.policy.release();
  }
}

/**
 * The bandit as an experiment's training backend; `opened` records each run it opened as
 * `visitor/estimator/seed` (`-` for the backend's default visitor).
 */
export function banditBackend(): { backend: TrainingBackend; opened: string[] } {
  const opened: string[] = [];
  const backend: TrainingBackend = {
    async open(run) {
      opened.push(`${run.visitor ?? '-'}/${run.estimator}/${run.seed}`);
      const optimizer = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 });
      const rollouts = await BanditRollouts.create();
      return { optimizer, rollouts, evaluation: rollouts, close: async () => void (await Promise.all([optimizer.release(), rollouts.release()])) };
    },
  };
  return { backend, opened };
}
