import { EVALUATION_SEED_BASE, PolicyOptimizer, TRAINING_SEED_LIMIT, trainingContexts } from '../rl';
import { banditInitialParams, banditModel, banditOptimizerConfig, BanditRollouts } from '../rl/testing/bandit';
import { compare, evaluate, evaluationJobs, summarize } from './offline-evaluation';

const plan = { personas: ['a', 'b'], sessions: 64, seed: 3 };

describe('offline evaluation', () => {
  it('plays held-out visitors: personas in turn, seeds outside the training range, the same jobs every time', () => {
    const jobs = evaluationJobs(plan);
    expect(jobs.map((j) => j.personaId).slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    for (const j of jobs) expect(j.visitorSeed).toBeGreaterThanOrEqual(EVALUATION_SEED_BASE);
    for (const c of trainingContexts(['a', 'b'], 64, 3, 1)) expect(c.visitorSeed).toBeLessThan(TRAINING_SEED_LIMIT);
    expect(evaluationJobs(plan)).toEqual(jobs);
  });

  it('a trained bandit beats its initial policy on the paired comparison', async () => {
    const rollouts = await BanditRollouts.create();
    const initial = await evaluate(rollouts, plan);
    // A policy pushed toward the rewarded reply by a few direct updates.
    const policy = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 });
    for (let step = 0; step < 10; step++) {
      const sessions = await rollouts.play(evaluationJobs({ ...plan, sessions: 8, seed: 100 + step }));
      const rewards = sessions.map((s) => s.episode.sessionReward);
      const mean = rewards.reduce((a, r) => a + r, 0) / rewards.length;
      await policy.update(sessions.map((s) => s.episode), rewards.map((r) => [r - mean]), step);
      await rollouts.setWeights(policy.params);
    }
    const trained = await evaluate(rollouts, plan);
    const c = compare(trained, initial);
    expect(c.conversion.difference).toBeGreaterThan(0.2);
    expect(c.conversion.ci95[0]).toBeGreaterThan(0);
    const s = summarize(trained);
    expect(s.sessions).toBe(64);
    expect(s.conversion_ci95[0]).toBeLessThanOrEqual(s.conversion_rate);
    expect(s.conversion_ci95[1]).toBeGreaterThanOrEqual(s.conversion_rate);
    expect(s.mean_agent_turns).toBe(1);
    await Promise.all([policy.release(), rollouts.release()]);
  });

  it('refuses to compare evaluations of different plans', async () => {
    const rollouts = await BanditRollouts.create();
    const a = await evaluate(rollouts, plan);
    const b = await evaluate(rollouts, { ...plan, seed: 4 });
    expect(() => compare(a, b)).toThrow('not paired at session 0');
    await rollouts.release();
  });
});
