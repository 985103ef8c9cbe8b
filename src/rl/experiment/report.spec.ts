import { EvaluationRecord } from '../../evaluation';
import { StepMetrics } from '../trainer/training-loop';
import { buildReport, RunResult } from './report';

/** n held-out sessions of which the first `converted` convert; 4 turns each, `repeats` repetitive turns. */
const records = (n: number, converted: number, repeats = 0): EvaluationRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    personaId: `p${i % 2}`,
    visitorSeed: 1000 + i,
    agentSeed: i,
    converted: i < converted,
    sessionReward: i < converted ? 100 : 0,
    agentTurns: 4,
    repetitiveTurns: repeats,
    identityDetected: false,
    violations: 0,
    tacticViolations: 0,
  }));
const metric = (step: number): StepMetrics => ({
  step,
  estimator: 'x',
  session_reward: 0,
  turn_reward: 0,
  conversion_rate: 0,
  repetition_rate: 0,
  identity_detection_rate: 0,
  violations_per_turn: 0,
  mean_agent_turns: 4,
  loss: 0,
  kl: 0,
  entropy: 0,
  clip_fraction: 0,
  grad_norm: 0,
  rollout_seconds: 30,
  update_seconds: 30,
  agent_tokens: 0,
  rollout_tokens_per_s: 0,
});
const run = (estimator: string, seed: number, converted: number, repeats: number, rewardScale = 1): RunResult => ({
  estimator,
  seed,
  rewardScale,
  metrics: [metric(1), metric(2)],
  evaluation: records(20, converted, repeats),
});

describe('experiment report', () => {
  const report = buildReport({
    command: 'npm run closer -- compare',
    init: 'models/default',
    baseline: 'grpo',
    initEvaluation: records(20, 5, 2),
    runs: [
      run('grpo', 1, 8, 2),
      run('grpo', 2, 8, 2),
      run('hian', 1, 10, 1),
      run('hian', 2, 10, 1),
      run('turn-only', 1, 6, 0),
      run('grpo', 1, 4, 2, 10),
      run('hian', 1, 10, 1, 10),
    ],
    figures: { conversion_rate: 'figures/conversion_rate.svg' },
    notes: ['a note'],
  });

  it('has the paper-style table with relative change against the baseline', () => {
    // hian converts 50% vs grpo 40% → +25.00% CVR; repetition 0.25 vs 0.5 per turn → −50.00%.
    expect(report).toMatch(/\| hian \| 2 \| 50\.0% \[[^\]]+\] \| \+25\.00% \| 0\.250 \| -50\.00% \|/);
    expect(report).toMatch(/\| grpo \| 2 \| 40\.0% \[[^\]]+\] \| \+0\.00% \|/);
    expect(report).toMatch(/\| turn-only \| 1 \| 30\.0% /);
    expect(report).toMatch(/\| initial model \| 1 \| 25\.0% /);
  });

  it('reports paired differences, per-seed rows with training time, the scale sweep and the figures', () => {
    expect(report).toMatch(/\| hian − grpo \(2 seeds\) \| \+10\.0% \[/);
    // An ablation run on fewer seeds is paired with the baseline on its own seeds only.
    expect(report).toMatch(/\| turn-only − grpo \(1 seed\) \| -10\.0% \[/);
    expect(report).toMatch(/\| turn-only − initial \| \+5\.0% \[/);
    expect(report).toContain('| hian | 2 | 50.0% | 0.250 | 0.0% | 0.000 | 2.0 |');
    expect(report).toContain('## Reward-scale sweep');
    expect(report).toMatch(/\| ×10 \| grpo \| 20\.0% /);
    expect(report).toContain('![conversion_rate](figures/conversion_rate.svg)');
    expect(report).toContain('- a note');
  });
});
