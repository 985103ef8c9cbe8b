import { Rng } from '../../engine';
import { computeAdvantages } from '../advantages';
import { Episode } from '../episode';
import {
  BANDIT_REWARDED,
  banditEpisode,
  banditInitialParams,
  banditModel,
  banditOptimizerConfig,
  banditReplyDistribution,
  sampleFrom,
} from '../testing/bandit';
import { PolicyOptimizer } from './policy-optimizer';
import { rehearsalRows } from './rehearsal';

/** G = 8 samples of the bandit per step, HIAN advantages, one update per step. */
async function trainBandit(steps: number, seed: number) {
  const policy = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 });
  const rng = new Rng(seed);
  const before = await banditReplyDistribution(policy);
  const history = [];
  for (let step = 0; step < steps; step++) {
    const dist = await banditReplyDistribution(policy);
    const episodes = Array.from({ length: 8 }, () => {
      const token = sampleFrom(dist, rng);
      return banditEpisode(token, Math.log(dist[token]));
    });
    const advantages = computeAdvantages('hian', [episodes.map((e) => ({ session: e.sessionReward, turns: e.turnRewards }))])[0];
    history.push(await policy.update(episodes, advantages, step));
  }
  const after = await banditReplyDistribution(policy);
  await policy.release();
  return { before, after, history };
}

describe('PolicyOptimizer', () => {
  it('learns the rewarded reply of a toy bandit', async () => {
    const { before, after, history } = await trainBandit(15, 11);
    expect(before[BANDIT_REWARDED]).toBeLessThan(0.3);
    expect(after[BANDIT_REWARDED]).toBeGreaterThan(0.8);
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

  it('with rehearsal, each mini-batch adds coef × the supervised mean NLL: alone (zero advantages) it is supervised learning', async () => {
    const config = { ...banditOptimizerConfig, epochs: 1, miniBatches: 1 };
    const policy = await PolicyOptimizer.create(banditModel, banditInitialParams(3), config, { intraOpThreads: 1 });
    const taught = 6;
    const window = { ids: [1, 2, taught, 0, 0], trainable: [0, 0, 1, 0, 0] };
    const episodes = Array.from({ length: 8 }, (_, i) => banditEpisode(i % 8, -2));
    const noAdvantage = episodes.map(() => [0]);
    const coef = 0.7;
    const before = await banditReplyDistribution(policy);
    const first = await policy.update(episodes, noAdvantage, 1, { rows: rehearsalRows({ coef, windowsPerStep: 1, windows: [window] }, 1, 4), coef });
    // r = 1 (old log-probs are the current ones) and KL = 0 (still the reference): the loss is −coef·mean(r·1).
    expect(first.loss).toBeCloseTo(-coef, 5);
    expect(first.rehearsalNll).toBeCloseTo(-Math.log(before[taught]), 5);
    expect(first.trainedTokens).toBe(8);
    for (let step = 2; step <= 5; step++) await policy.update(episodes, noAdvantage, step, { rows: rehearsalRows({ coef, windowsPerStep: 1, windows: [window] }, step, 4), coef });
    const after = await banditReplyDistribution(policy);
    expect(after[taught]).toBeGreaterThan(before[taught] + 0.1);
    const without = await policy.update(episodes, noAdvantage, 6);
    expect(without.rehearsalNll).toBeUndefined();
    await policy.release();
  });

  it('refuses an episode longer than a training row, and advantages that do not match its turns', async () => {
    const policy = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 });
    const long: Episode = { ...banditEpisode(BANDIT_REWARDED, -1), tokens: [1, 2, 3, 4, 5, 6] };
    await expect(policy.update([long], [[1]], 0)).rejects.toThrow('does not fit a 4-token training row');
    await expect(policy.update([banditEpisode(1, -1)], [[1, 2]], 0)).rejects.toThrow('2 advantages for 1 agent turns');
    await policy.release();
  });
});
