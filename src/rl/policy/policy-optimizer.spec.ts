import { Graph, init, Rng } from '../../engine';
import { declareDecoderParams, parseModelConfig } from '../../model';
import { computeAdvantages } from '../advantages';
import { Episode } from '../episode';
import { defaultPolicyOptimizerConfig, PolicyOptimizer, PolicyOptimizerConfig } from './policy-optimizer';

const model = parseModelConfig({
  vocab_size: 8,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  max_position_embeddings: 16,
  tie_word_embeddings: true,
});
const PROMPT = [1, 2];
const REWARDED = 5;

function initialParams(seed: number): Map<string, Float32Array> {
  const g = new Graph();
  declareDecoderParams(g, model, 0.2);
  const rng = new Rng(seed);
  return new Map([...g.params].map(([name, p]) => [name, Float32Array.from(p.init(p.value.shape, rng))]));
}

const config: PolicyOptimizerConfig = {
  ...defaultPolicyOptimizerConfig,
  loss: { epsilon: 0.2, epsilonHigh: 0.2, klCoef: 0.01 },
  learningRate: 0.03,
  microBatch: 8,
  sequenceLength: 4,
  epochs: 2,
  miniBatches: 2,
};

const episodeFor = (token: number, logprob: number): Episode => ({
  tokens: [...PROMPT, token],
  agentTurns: [{ start: PROMPT.length, end: PROMPT.length + 1, logprobs: [logprob] }],
  turnRewards: [0],
  sessionReward: token === REWARDED ? 1 : 0,
});

/** π(· | prompt) over the whole vocabulary, read from the training graph's log-probs. */
async function replyDistribution(policy: PolicyOptimizer): Promise<number[]> {
  const all = Array.from({ length: model.vocabSize }, (_, t) => episodeFor(t, 0));
  const logProbs = await policy.tokenLogProbs(all);
  return logProbs.map((lp) => Math.exp(lp[PROMPT.length - 1]));
}

/** A one-turn bandit: reply with one token; only REWARDED converts. G = 8 samples per step. */
async function trainBandit(steps: number, seed: number) {
  const policy = await PolicyOptimizer.create(model, initialParams(3), config, { intraOpThreads: 1 });
  const rng = new Rng(seed);
  const before = await replyDistribution(policy);
  const history = [];
  for (let step = 0; step < steps; step++) {
    const dist = await replyDistribution(policy);
    const episodes = Array.from({ length: 8 }, () => {
      let u = rng.next();
      let token = 0;
      while (token < dist.length - 1 && (u -= dist[token]) > 0) token++;
      return episodeFor(token, Math.log(dist[token]));
    });
    const advantages = computeAdvantages('hian', [episodes.map((e) => ({ session: e.sessionReward, turns: e.turnRewards }))])[0];
    history.push(await policy.update(episodes, advantages.map((a) => a), step));
  }
  const after = await replyDistribution(policy);
  await policy.release();
  return { before, after, history };
}

describe('PolicyOptimizer', () => {
  it('learns the rewarded reply of a toy bandit', async () => {
    const { before, after, history } = await trainBandit(15, 11);
    expect(before[REWARDED]).toBeLessThan(0.3);
    expect(after[REWARDED]).toBeGreaterThan(0.8);
    // Four optimizer steps per update (2 epochs × 2 mini-batches), each reporting finite metrics.
    expect(history[0].optimizerSteps).toBe(4);
    expect(history[0].trainedTokens).toBe(8);
    for (const m of history) for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    // The policy moved away from the reference, and the second epoch saw clipped ratios.
    expect(history.at(-1)!.kl).toBeGreaterThan(0);
    expect(history.some((m) => m.clipFraction > 0)).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const a = await trainBandit(3, 5);
    const b = await trainBandit(3, 5);
    expect(b.history).toEqual(a.history);
    expect(b.after).toEqual(a.after);
  });

  it('refuses an episode longer than a training row, and advantages that do not match its turns', async () => {
    const policy = await PolicyOptimizer.create(model, initialParams(3), config, { intraOpThreads: 1 });
    const long: Episode = { ...episodeFor(REWARDED, -1), tokens: [1, 2, 3, 4, 5, 6] };
    await expect(policy.update([long], [[1]], 0)).rejects.toThrow('does not fit a 4-token training row');
    await expect(policy.update([episodeFor(1, -1)], [[1, 2]], 0)).rejects.toThrow('2 advantages for 1 agent turns');
    await policy.release();
  });
});
