import { EvaluationComparison, EvaluationSummary, PairedDifference } from '../../evaluation';
import { candidateCard, FINISHING_MARKER, sftCardOf, shippedModelCard, shippedModelOf } from './card';
import { FinishReport } from './report';
import { SHIP_RULE } from './ship-rule';

const SFT_CARD = '# Closer default sales model\n\n| parameters | 2,164,416 |';

const paired = (baseline: number, candidate: number, ci95: [number, number]): PairedDifference => ({ n: 192, meanBaseline: baseline, meanCandidate: candidate, difference: candidate - baseline, ci95, candidateCi95: [0, 1] });
const comparison = (conversion: PairedDifference, violations: PairedDifference): EvaluationComparison => ({ conversion, violations, repetition: violations, identity_detection: violations, session_reward: violations });
// The card reads the paired comparison; the summaries are in the JSON report.
const summary = {} as EvaluationSummary;
const plan = (personas: string[]) => ({ personas, sessions: 192, seed: 20261206, visitor: 'strict' as const });

const report = (ships: 'sft' | 'rl', reasons: string[] = []): FinishReport => ({
  ships,
  reasons,
  out: 'models/default',
  sft: 'models/default.rl-run/sft',
  rl: 'models/default.rl-run/strict-hian-value-x1-s1/model',
  root: 'models/default.rl-run',
  training: { estimator: 'hian', visitor: 'strict', sessionReward: 'value', steps: 40, contexts: 4, group: 8, seed: 1 },
  questionSets: {
    paraphrase: { sft: { questions: 267, greedy: 0.9, sampled: 0.88, samplesPerQuestion: 4 }, rl: { questions: 267, greedy: 0.91, sampled: 0.885, samplesPerQuestion: 4 } },
    intent: { sft: { questions: 103, greedy: 0.92, sampled: 0.9, samplesPerQuestion: 4 }, rl: { questions: 103, greedy: 0.93, sampled: 0.9, samplesPerQuestion: 4 } },
  },
  heldOut: {
    library: { plan: plan(['a']), sft: summary, rl: summary, difference: comparison(paired(0.41, 0.5625, [0.099, 0.203]), paired(0.001, 0.0005, [-0.0015, 0.0003])) },
    unseen: { plan: plan(['u']), sft: summary, rl: summary, difference: comparison(paired(0.4, 0.5, [0.05, 0.15]), paired(0.002, 0.002, [-0.001, 0.001])) },
  },
});

describe('the shipped model card', () => {
  it('keeps the SFT card, says the RL model ships, and tables every comparison with the rule', () => {
    const card = shippedModelCard(SFT_CARD, report('rl'));
    expect(card.startsWith(`${SFT_CARD}\n\n${FINISHING_MARKER}\n\n## Shipped: the RL model\n`)).toBe(true);
    expect(card).toContain('This folder holds the **RL model**');
    expect(card).toContain('HIAN advantages, strict visitor, session reward the deal value, 40 steps × 4 contexts × G = 8 (1,280 sessions), seed 1.');
    for (const row of [
      '| paraphrase set, greedy (267 questions) | 90.0 % | 91.0 % | +1.0 pts | RL > SFT |',
      '| paraphrase set, sampled at serving settings (4 per question) | 88.0 % | 88.5 % | +0.5 pts | reported |',
      '| intent set, greedy (103 questions) | 92.0 % | 93.0 % | +1.0 pts | RL > SFT |',
      '| held-out conversion (strict visitor, library personas, 192 sessions) | 41.0 % | 56.3 % | +15.3 pts [+9.9 pts, +20.3 pts] | lower bound > 0 |',
      '| held-out violations / turn (strict visitor, library personas, 192 sessions) | 0.0010 | 0.0005 | −0.0005 [−0.0015, +0.0003] | RL ≤ SFT |',
      '| held-out conversion (strict visitor, unseen personas, 192 sessions) | 40.0 % | 50.0 % | +10.0 pts [+5.0 pts, +15.0 pts] | reported |',
    ]) {
      expect(card).toContain(row);
    }
    expect(card).toContain(SHIP_RULE);
    expect(card).not.toContain('Why the SFT model ships');
    expect(shippedModelOf(card)).toBe('rl');
  });

  it('says the SFT model ships, and why', () => {
    const card = shippedModelCard(SFT_CARD, report('sft', ["intent set: RL's greedy accuracy 92.0 % is not above SFT's 92.0 %"]));
    expect(card).toContain('## Shipped: the SFT model');
    expect(card).toContain('This folder holds the **SFT model** described above');
    expect(card).toContain("Why the SFT model ships:\n\n- intent set: RL's greedy accuracy 92.0 % is not above SFT's 92.0 %");
    expect(card).toContain('`npm run closer -- build-model --sft models/default.rl-run/sft --out models/default`');
    expect(shippedModelOf(card)).toBe('sft');
  });

  it('replaces, never stacks, the section of an earlier finishing run', () => {
    const earlier = shippedModelCard(SFT_CARD, report('sft', ['x']));
    expect(sftCardOf(earlier)).toBe(SFT_CARD);
    const again = shippedModelCard(sftCardOf(earlier), report('rl'));
    expect(again.split(FINISHING_MARKER)).toHaveLength(2);
    expect(shippedModelOf(SFT_CARD)).toBeUndefined();
  });

  it('the RL candidate\'s card says how it was trained and is not a shipped card', () => {
    const card = candidateCard(SFT_CARD, report('rl').training, 'models/default.rl-run/sft');
    expect(card).toContain('## RL candidate of the finishing step');
    expect(card).toContain('DuCA from `models/default.rl-run/sft`');
    expect(shippedModelOf(card)).toBeUndefined();
  });
});
