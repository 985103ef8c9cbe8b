import type { EvaluationComparison } from '../../evaluation';
import type { QuestionSetName } from '../../model/default-model/question-sets';
import { percent, points } from './format';
import type { ShippedModel } from './report';

/** What the rule reads. */
export interface ShipEvidence {
  /** Greedy accuracy of each model on each question set. */
  greedy: Record<QuestionSetName, Record<ShippedModel, number>>;
  /** RL − SFT paired over the held-out strict-simulator sessions of the library personas. */
  heldOut: Pick<EvaluationComparison, 'conversion' | 'violations'>;
}

export interface ShipDecision {
  ships: ShippedModel;
  /** Every clause the RL model failed (empty when it ships). */
  reasons: string[];
}

/** The rule of `decideShipment`, as the model card states it. */
export const SHIP_RULE =
  "The RL model ships if and only if its greedy accuracy is strictly higher than the SFT model's on the paraphrase set and on the intent set, " +
  'the 95 % interval of the paired held-out conversion difference RL − SFT (strict visitor, library personas) has its lower bound above 0, ' +
  "and its held-out violations per turn are no higher than the SFT model's. Otherwise the SFT model ships; a tie ships the SFT model.";

/**
 * Which model `build-model` ships. The RL model ships if and only if
 * - its greedy accuracy is strictly higher than the SFT model's on the paraphrase set,
 * - and on the intent set,
 * - the paired held-out conversion difference RL − SFT has a 95 % interval whose lower bound is > 0,
 * - and its held-out violations per turn (point estimate) are ≤ the SFT model's.
 * Otherwise the SFT model ships, with every failed clause as a reason: the product ships what its
 * loop produced only where the loop measurably helped and broke nothing.
 */
export function decideShipment(e: ShipEvidence): ShipDecision {
  const reasons: string[] = [];
  for (const set of ['paraphrase', 'intent'] as const) {
    const { sft, rl } = e.greedy[set];
    if (!(rl > sft)) reasons.push(`${set} set: RL's greedy accuracy ${percent(rl)} is not above SFT's ${percent(sft)}`);
  }
  const { difference, ci95 } = e.heldOut.conversion;
  if (!(ci95[0] > 0)) reasons.push(`held-out conversion: RL − SFT ${points(difference)} [${points(ci95[0])}, ${points(ci95[1])}], the interval's lower bound is not above 0`);
  const violations = e.heldOut.violations;
  if (violations.meanCandidate > violations.meanBaseline) {
    reasons.push(`held-out violations per turn rise: RL ${violations.meanCandidate.toFixed(4)} > SFT ${violations.meanBaseline.toFixed(4)}`);
  }
  return { ships: reasons.length ? 'sft' : 'rl', reasons };
}
