import { PairedDifference } from '../../evaluation';
import { decideShipment, ShipEvidence } from './ship-rule';

const paired = (baseline: number, candidate: number, ci95: [number, number]): PairedDifference => ({
  n: 192,
  meanBaseline: baseline,
  meanCandidate: candidate,
  difference: candidate - baseline,
  ci95,
  candidateCi95: [candidate - 0.05, candidate + 0.05],
});

/** RL wins every clause: higher on both sets, conversion interval above 0, fewer violations. */
const winning: ShipEvidence = {
  greedy: { paraphrase: { sft: 0.8, rl: 0.85 }, intent: { sft: 0.9, rl: 0.92 } },
  heldOut: { conversion: paired(0.41, 0.56, [0.1, 0.2]), violations: paired(0.002, 0.001, [-0.002, 0]) },
};

describe('decideShipment', () => {
  it('ships the RL model when it wins every clause', () => {
    expect(decideShipment(winning)).toEqual({ ships: 'rl', reasons: [] });
  });

  it('ships the RL model when violations stay level (no rise is enough)', () => {
    expect(decideShipment({ ...winning, heldOut: { ...winning.heldOut, violations: paired(0.001, 0.001, [-0.001, 0.001]) } }).ships).toBe('rl');
  });

  it.each<[string, ShipEvidence, RegExp]>([
    ['is lower on the paraphrase set', { ...winning, greedy: { ...winning.greedy, paraphrase: { sft: 0.8, rl: 0.79 } } }, /^paraphrase set: RL's greedy accuracy 79\.0 % is not above SFT's 80\.0 %$/],
    ['ties on the paraphrase set', { ...winning, greedy: { ...winning.greedy, paraphrase: { sft: 0.8, rl: 0.8 } } }, /^paraphrase set: /],
    ['ties on the intent set', { ...winning, greedy: { ...winning.greedy, intent: { sft: 0.9, rl: 0.9 } } }, /^intent set: RL's greedy accuracy 90\.0 % is not above SFT's 90\.0 %$/],
    ['converts more, but the interval reaches 0', { ...winning, heldOut: { ...winning.heldOut, conversion: paired(0.41, 0.46, [0, 0.1]) } }, /^held-out conversion: RL − SFT \+5\.0 pts \[\+0\.0 pts, \+10\.0 pts\], the interval's lower bound is not above 0$/],
    ['converts less', { ...winning, heldOut: { ...winning.heldOut, conversion: paired(0.41, 0.3, [-0.2, -0.02]) } }, /^held-out conversion: RL − SFT −11\.0 pts/],
    ['raises violations per turn', { ...winning, heldOut: { ...winning.heldOut, violations: paired(0.001, 0.0015, [-0.001, 0.002]) } }, /^held-out violations per turn rise: RL 0\.0015 > SFT 0\.0010$/],
  ])('ships the SFT model when RL %s, saying why', (_, evidence, reason) => {
    const decision = decideShipment(evidence);
    expect(decision.ships).toBe('sft');
    expect(decision.reasons).toEqual([expect.stringMatching(reason)]);
  });

  it('lists every failed clause', () => {
    const losing: ShipEvidence = {
      greedy: { paraphrase: { sft: 0.8, rl: 0.7 }, intent: { sft: 0.9, rl: 0.8 } },
      heldOut: { conversion: paired(0.41, 0.4, [-0.05, 0.03]), violations: paired(0.001, 0.002, [0, 0.002]) },
    };
    expect(decideShipment(losing).reasons.map((r) => r.split(':')[0])).toEqual(['paraphrase set', 'intent set', 'held-out conversion', 'held-out violations per turn rise']);
  });
});
