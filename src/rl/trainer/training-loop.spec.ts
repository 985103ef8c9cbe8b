import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAdvantageConfig } from '../advantages';
import { PolicyOptimizer } from '../policy';
import { BANDIT_REWARDED, banditInitialParams, banditModel, banditOptimizerConfig, banditReplyDistribution, BanditRollouts } from '../testing/bandit';
import { RunDirectory } from './run-directory';
import { runTrainingLoop, StepMetrics, TrainingLoopConfig } from './training-loop';

const config: TrainingLoopConfig = {
  estimator: 'hian',
  advantage: defaultAdvantageConfig,
  steps: 6,
  contexts: 2,
  group: 4,
  seed: 7,
  personas: ['a', 'b', 'c'],
  checkpointEvery: 2,
};

const root = mkdtempSync(join(tmpdir(), 'closer-training-loop-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A run in its own folder; `stopAfter` simulates a kill right after that step's metrics line. */
async function train(name: string, c: TrainingLoopConfig, stopAfter?: number) {
  const run = new RunDirectory(join(root, name));
  await run.create(c);
  const optimizer = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig, { intraOpThreads: 1 });
  const rollouts = await BanditRollouts.create();
  const kill = new Error('killed');
  try {
    await runTrainingLoop(run, c, optimizer, rollouts, ({ step }) => {
      if (step === stopAfter) throw kill;
    });
  } catch (err) {
    if (err !== kill) throw err;
  }
  const rewarded = (await banditReplyDistribution(optimizer))[BANDIT_REWARDED];
  await Promise.all([optimizer.release(), rollouts.release()]);
  return { run, metrics: await run.readMetrics<StepMetrics>(), rewarded };
}

/** Metrics without wall-clock figures, which differ between runs by nature. */
const learned = (ms: StepMetrics[]) => ms.map(({ rollout_seconds, update_seconds, rollout_tokens_per_s, ...rest }) => rest);

describe('training loop', () => {
  it('a 2-step smoke run changes the parameters, writes one metrics line per step and a checkpoint', async () => {
    const initial = await PolicyOptimizer.create(banditModel, banditInitialParams(3), banditOptimizerConfig);
    const before = (await banditReplyDistribution(initial))[BANDIT_REWARDED];
    await initial.release();
    const { run, metrics, rewarded } = await train('smoke', { ...config, steps: 2 });
    expect(metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(rewarded).not.toBeCloseTo(before, 6);
    expect(await run.latestCheckpoint()).toBe(2);
    for (const key of ['session_reward', 'turn_reward', 'conversion_rate', 'kl', 'entropy', 'clip_fraction', 'grad_norm', 'agent_tokens'] as const) {
      expect(Number.isFinite(metrics[0][key])).toBe(true);
    }
    expect(metrics[0].mean_agent_turns).toBe(1);
  });

  it('learns: conversion rises over the run', async () => {
    const { metrics } = await train('learns', { ...config, steps: 12 });
    const early = metrics.slice(0, 3).reduce((a, m) => a + m.conversion_rate, 0) / 3;
    const late = metrics.slice(-3).reduce((a, m) => a + m.conversion_rate, 0) / 3;
    expect(late).toBeGreaterThan(early + 0.3);
  });

  it('a fixed seed gives identical metrics twice', async () => {
    const a = await train('same-1', config);
    const b = await train('same-2', config);
    expect(learned(b.metrics)).toEqual(learned(a.metrics));
  });

  it('a run killed after step 5 resumes from its step-4 checkpoint and ends like the uninterrupted run', async () => {
    const straight = await train('straight', config);
    const killed = await train('resumed', config, 5);
    expect(killed.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    const resumed = await train('resumed', config);
    expect(learned(resumed.metrics)).toEqual(learned(straight.metrics));
    expect(resumed.rewarded).toBe(straight.rewarded);
  });

  it('a run killed before its first checkpoint starts over without keeping the lines of the lost steps', async () => {
    const straight = await train('straight-early', config);
    const killed = await train('restarted', config, 1);
    expect([killed.metrics.map((m) => m.step), await killed.run.latestCheckpoint()]).toEqual([[1], undefined]);
    const restarted = await train('restarted', config);
    expect(learned(restarted.metrics)).toEqual(learned(straight.metrics));
  });
});
