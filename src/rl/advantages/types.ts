/** The rewards of one played session: the sparse session reward and one dense reward per agent turn. */
export interface SessionRewards {
  /** R_i: the business outcome (deal value, or 1/0 conversion). */
  session: number;
  /** r_{i,t} for agent turns t = 1..T_i, in order (at least one). */
  turns: number[];
}

/** The G sessions played from one context (persona + opening): the unit GRPO-style baselines compare. */
export type RewardGroup = SessionRewards[];

/**
 * Advantages per group, per session, per agent turn: `a[g][i][t]` is given to every token of turn t
 * of session i in group g. Session-level estimators repeat one value over a session's turns.
 */
export type TurnAdvantages = number[][][];

export interface AdvantageConfig {
  /** Weight of the session-horizon advantage when horizons are fused (hian*). */
  alpha: number;
  /** Weight of the turn-horizon advantage when horizons are fused (hian*). */
  beta: number;
  /** MT-GRPO's λ: weight of the outcome advantage on the turns that also carry a turn advantage. */
  lambda: number;
  /** MAPO's discount for the Monte Carlo return over turns. */
  gamma: number;
  /** Added to the standard deviation so equal rewards give 0 instead of 0/0. */
  epsilon: number;
}

export const defaultAdvantageConfig: AdvantageConfig = { alpha: 1, beta: 1, lambda: 1, gamma: 1, epsilon: 1e-6 };

/** A pure function from a batch of reward groups to per-turn advantages (verl's estimator shape). */
export type AdvantageEstimator = (batch: RewardGroup[], config: AdvantageConfig) => TurnAdvantages;

export class AdvantageInputError extends Error {
  override readonly name = 'AdvantageInputError';
}
