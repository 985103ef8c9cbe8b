import { ProductCatalog } from '../catalog';
import { TransparentBotLikenessModel } from './bot-likeness';
import { answers, lastVisitorAsks, planServes, ReplyReading, statedNeeds, statedSeats, wrongSeatTotals } from './sales-reading';
import { HistoryTurn } from './types';

/** The bounded terms of the dense turn reward; each is 0 on a clean turn and at most 1. */
export const TURN_REWARD_TERMS = ['compliance', 'repetition', 'bot_style', 'fluency', 'unanswered', 'wrong_fact'] as const;
export type TurnRewardTerm = (typeof TURN_REWARD_TERMS)[number];

/** Cost per unit of each term: r_t = clip(−Σ weight · term, −1, 1). */
export type TurnRewardWeights = Record<TurnRewardTerm, number>;

/**
 * Defaults (docs/rewards.md): a broken rule or a wrong fact costs most, an unanswered question and
 * repetition next, canned style and disfluency least. A clean turn earns 0, so the sum over a
 * session does not grow with its length.
 */
export const defaultTurnRewardWeights: TurnRewardWeights = {
  compliance: 0.6,
  repetition: 0.3,
  bot_style: 0.2,
  fluency: 0.2,
  unanswered: 0.2,
  wrong_fact: 0.4,
};

export interface TurnReward {
  terms: Record<TurnRewardTerm, number>;
  /** r_t in [−1, 1]. */
  reward: number;
}

/** The scorer outputs the terms are made from (see TurnScoring). */
export interface TurnScorerOutputs {
  /** Compliance score in [0, 1], 1 = no violation. */
  compliance: number;
  repetition: number;
  botLikeness: number;
  fluency: number;
  /** A catalog-price violation: a price answer that is wrong does not answer. */
  wrongPrice: boolean;
}

/** Bot-likeness of a reply with none of the canned features: the floor the bot_style term starts from. */
const PLAIN_BOT_LIKENESS = 1 / (1 + Math.exp(-TransparentBotLikenessModel.bias));

/** Combines the scorer outputs and the buyer's reading of a reply into the turn reward. */
export function turnReward(scores: TurnScorerOutputs, reading: ReplyReading, historyBefore: HistoryTurn[], catalog: ProductCatalog, weights: TurnRewardWeights): TurnReward {
  const terms: Record<TurnRewardTerm, number> = {
    compliance: 1 - scores.compliance,
    repetition: scores.repetition,
    bot_style: Math.max(0, (scores.botLikeness - PLAIN_BOT_LIKENESS) / (1 - PLAIN_BOT_LIKENESS)),
    fluency: 1 - scores.fluency,
    unanswered: unansweredShare(reading, historyBefore, catalog, scores.wrongPrice),
    wrong_fact: hasWrongFact(reading, historyBefore, catalog) ? 1 : 0,
  };
  const cost = TURN_REWARD_TERMS.reduce((sum, t) => sum + weights[t] * terms[t], 0);
  return { terms, reward: Math.max(-1, Math.min(1, 0 - cost)) }; // 0 − 0 is +0: a clean turn earns exactly 0
}

/** Share of what the visitor's last message asked (or said it needs) that the reply leaves unanswered. */
function unansweredShare(reading: ReplyReading, history: HistoryTurn[], catalog: ProductCatalog, wrongPrice: boolean): number {
  const asks = lastVisitorAsks(history, catalog);
  if (!asks.length) return 0;
  const missed = asks.filter((ask) => !answers(reading, ask) || (ask.kind === 'price' && wrongPrice));
  return missed.length / asks.length;
}

/** A catalog contradiction, a total for the wrong seat count, or a plan that cannot serve what the visitor said it needs. */
function hasWrongFact(reading: ReplyReading, history: HistoryTurn[], catalog: ProductCatalog): boolean {
  if (reading.wrongFacts.length) return true;
  const seats = statedSeats(history);
  if (seats !== undefined && wrongSeatTotals(reading, seats, catalog).length) return true;
  const plan = reading.recommendedPlan;
  return !!plan && !planServes(plan, statedNeeds(history, catalog), seats ?? 1);
}
