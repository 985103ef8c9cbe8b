import { fidelityGaps, SessionFigures } from './fidelity';

/** A session of `agentTurns` replies, the first `violations` breaking one rule each and the first `repetitiveTurns` repetitive. */
const session = (converted: boolean, agentTurns: number, violations = 0, repetitiveTurns = 0, askedIfBot = false): SessionFigures => ({
  converted,
  turns: Array.from({ length: agentTurns }, (_, i) => ({ violations: i < violations ? 1 : 0, repetitive: i < repetitiveTurns })),
  askedIfBot,
});

describe('fidelityGaps', () => {
  it('hand-computed: means per unit (sessions or agent turns), the gap simulated − live, and its Welch 95% interval', () => {
    const live = [session(true, 2, 1, 0, true), session(false, 2)];
    const simulated = [session(true, 4, 0, 2), session(true, 2), session(false, 3, 0, 0, true), session(false, 3)];
    const g = fidelityGaps(live, simulated);
    // Conversion: live 1/2, simulated 2/4; variances 0.5 and 1/3; half-width 1.96·√(0.5/2 + (1/3)/4).
    expect(g.conversion.gap).toBe(0);
    expect(g.conversion.ci95[1]).toBeCloseTo(1.96 * Math.sqrt(0.25 + 1 / 12), 10);
    // Violations per agent turn: live 1 of 4 turns, simulated 0 of 12.
    expect([g.violationsPerTurn.live, g.violationsPerTurn.simulated, g.violationsPerTurn.gap]).toEqual([0.25, 0, -0.25]);
    expect(g.violationsPerTurn.ci95[0]).toBeCloseTo(-0.25 - 1.96 * Math.sqrt(0.25 / 4), 10);
    // Repetition: 2 of 12 simulated turns; identity questions 1/2 vs 1/4; length 2 vs 3 agent turns.
    expect([g.repetitionRate.live, g.repetitionRate.simulated]).toEqual([0, 2 / 12]);
    expect([g.identityQuestions.gap, g.agentTurns.gap]).toEqual([-0.25, 1]);
    expect(g.agentTurns.ci95[1]).toBeCloseTo(1 + 1.96 * Math.sqrt(0 + (2 / 3) / 4), 10);
  });

  it('identical samples have no gap', () => {
    const same = [session(true, 3, 1, 1, true), session(false, 5)];
    for (const gap of Object.values(fidelityGaps(same, same))) expect(gap.gap).toBe(0);
  });
});
