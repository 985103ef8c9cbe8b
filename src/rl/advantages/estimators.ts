import { standardize, standardizeByPosition, standardizeRagged } from './statistics';
import { AdvantageConfig, AdvantageEstimator, RewardGroup, TurnAdvantages } from './types';

const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

/** One value per session, repeated over its turns. */
const perSession = (group: RewardGroup, values: readonly number[]) => group.map((s, i) => s.turns.map(() => values[i]));

const sessionHorizon = (group: RewardGroup, c: AdvantageConfig) => standardize(group.map((s) => s.session), c.epsilon);

/** Turn rewards standardized over all turns of the group (not per turn index: see `hianPosition`). */
const turnHorizon = (group: RewardGroup, c: AdvantageConfig) => standardizeRagged(group.map((s) => s.turns), c.epsilon);

const fuse = (group: RewardGroup, session: readonly number[], turn: readonly number[][], c: AdvantageConfig) =>
  group.map((s, i) => s.turns.map((_, t) => c.alpha * session[i] + c.beta * turn[i][t]));

/** GRPO on the merged reward s_i = R_i + Σ_t r_{i,t}, one advantage per session. */
export const grpo: AdvantageEstimator = (batch, c) =>
  batch.map((group) => perSession(group, standardize(group.map((s) => s.session + sum(s.turns)), c.epsilon)));

/** Only the session horizon: A_{i,t} = A^sess_i. */
export const sessionOnly: AdvantageEstimator = (batch, c) => batch.map((group) => perSession(group, sessionHorizon(group, c)));

/** Only the turn horizon: A_{i,t} = A^turn_{i,t}. */
export const turnOnly: AdvantageEstimator = (batch, c) => batch.map((group) => turnHorizon(group, c));

/** DuCA's HIAN: each horizon normalized within the group on its own, then α·A^sess + β·A^turn. */
export const hian: AdvantageEstimator = (batch, c) => batch.map((group) => fuse(group, sessionHorizon(group, c), turnHorizon(group, c), c));

/** HIAN with batch statistics instead of group statistics (the whole batch is one baseline). */
export const hianBatch: AdvantageEstimator = (batch, c) => regroup(batch, hian([batch.flat()], c)[0]);

/**
 * HIAN with turn rewards normalized per turn index within the group. Biased when the policy
 * decides the session length (verl issue #7244): kept as an ablation so the difference is measured.
 */
export const hianPosition: AdvantageEstimator = (batch, c) =>
  batch.map((group) => fuse(group, sessionHorizon(group, c), standardizeByPosition(group.map((s) => s.turns), c.epsilon), c));

/**
 * MT-GRPO (Zeng et al. 2025): outcome and turn advantages normalized separately within the group,
 * the turn one per turn index as in its fixed-turn setting; every turn but the last gets
 * A^turn_{i,t} + λ·A^out_i, the last turn the outcome advantage alone.
 */
export const mtGrpo: AdvantageEstimator = (batch, c) =>
  batch.map((group) => {
    const outcome = sessionHorizon(group, c);
    const turn = standardizeByPosition(group.map((s) => s.turns), c.epsilon);
    return group.map((s, i) => s.turns.map((_, t) => (t < s.turns.length - 1 ? turn[i][t] + c.lambda * outcome[i] : outcome[i])));
  });

/**
 * MAPO (arXiv 2603.06194): the Monte Carlo return G_{i,t} = Σ_{k≥t} γ^{k−t} r_{i,k} + γ^{T_i−t} R_i
 * (the session reward arrives after the last turn), standardized per turn index within the group
 * (turn level), then over every turn of the batch (batch level).
 */
export const mapo: AdvantageEstimator = (batch, c) => {
  const turnLevel = batch.map((group) => standardizeByPosition(group.map((s) => monteCarloReturns(s.turns, s.session, c.gamma)), c.epsilon));
  const batchLevel = standardizeRagged(turnLevel.flat(), c.epsilon);
  return regroup(batch, batchLevel);
};

/** G_t = r_t + γ·G_{t+1}, with G_{T+1} = the terminal (session) reward. */
export function monteCarloReturns(turns: readonly number[], terminal: number, gamma: number): number[] {
  const returns = new Array<number>(turns.length);
  let next = terminal;
  for (let t = turns.length - 1; t >= 0; t--) next = returns[t] = turns[t] + gamma * next;
  return returns;
}

/** Splits per-session rows computed over the flattened batch back into its groups. */
function regroup(batch: readonly RewardGroup[], sessions: number[][]): TurnAdvantages {
  let at = 0;
  return batch.map((group) => group.map(() => sessions[at++]));
}
