/**
 * How well the simulator predicts live behaviour: the same figures read off live sessions of a
 * model version and off simulated sessions of that version on personas derived from them, with
 * the gap (simulated − live) and its 95% interval per metric.
 */
export interface SessionFigures {
  converted: boolean;
  /** Per agent turn: its compliance violations and whether it reads as repetitive (FLAGGED_TURN_SCORES). */
  turns: { violations: number; repetitive: boolean }[];
  /** The visitor asked whether it is talking to a bot (the same reading, isBotQuestion, on both sides). */
  askedIfBot: boolean;
}

export const FIDELITY_METRICS = ['conversion', 'violationsPerTurn', 'repetitionRate', 'identityQuestions', 'agentTurns'] as const;
export type FidelityMetric = (typeof FIDELITY_METRICS)[number];

export interface FidelityGap {
  live: number;
  simulated: number;
  /** simulated − live. */
  gap: number;
  /** Normal 95% interval of the gap (Welch: each side's own variance); turn-level rates treat turns as independent, so it is somewhat narrow. */
  ci95: [number, number];
}

/** Per metric, the unit values it averages: sessions for conversion, identity questions and length; agent turns for the turn rates. */
function unitValues(sessions: readonly SessionFigures[], metric: FidelityMetric): number[] {
  switch (metric) {
    case 'conversion':
      return sessions.map((s) => (s.converted ? 1 : 0));
    case 'identityQuestions':
      return sessions.map((s) => (s.askedIfBot ? 1 : 0));
    case 'agentTurns':
      return sessions.map((s) => s.turns.length);
    case 'violationsPerTurn':
      return sessions.flatMap((s) => s.turns.map((t) => t.violations));
    case 'repetitionRate':
      return sessions.flatMap((s) => s.turns.map((t) => (t.repetitive ? 1 : 0)));
  }
}

function meanAndVariance(xs: number[]): { mean: number; variance: number } {
  const n = xs.length;
  if (n === 0) return { mean: 0, variance: 0 };
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  const variance = n > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, variance };
}

export function fidelityGaps(live: readonly SessionFigures[], simulated: readonly SessionFigures[]): Record<FidelityMetric, FidelityGap> {
  return Object.fromEntries(
    FIDELITY_METRICS.map((metric) => {
      const l = unitValues(live, metric);
      const s = unitValues(simulated, metric);
      const a = meanAndVariance(l);
      const b = meanAndVariance(s);
      const gap = b.mean - a.mean;
      const half = 1.96 * Math.sqrt((l.length ? a.variance / l.length : 0) + (s.length ? b.variance / s.length : 0));
      return [metric, { live: a.mean, simulated: b.mean, gap, ci95: [gap - half, gap + half] }];
    }),
  ) as Record<FidelityMetric, FidelityGap>;
}
