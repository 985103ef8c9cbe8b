import { grpo, hian, hianBatch, hianPosition, mapo, mtGrpo, sessionOnly, turnOnly } from './estimators';
import { AdvantageConfig, AdvantageEstimator, AdvantageInputError, defaultAdvantageConfig, RewardGroup, TurnAdvantages } from './types';

/** Every estimator by the name config and the CLI use (as verl registers its estimators). */
export const advantageEstimators = {
  grpo,
  hian,
  'session-only': sessionOnly,
  'turn-only': turnOnly,
  'hian-batch': hianBatch,
  'hian-position': hianPosition,
  'mt-grpo': mtGrpo,
  mapo,
} satisfies Record<string, AdvantageEstimator>;

export type AdvantageEstimatorName = keyof typeof advantageEstimators;

export const advantageEstimatorNames = Object.keys(advantageEstimators) as AdvantageEstimatorName[];

export function isAdvantageEstimatorName(name: string): name is AdvantageEstimatorName {
  return Object.hasOwn(advantageEstimators, name);
}

/** Validates the batch, then runs the named estimator. */
export function computeAdvantages(name: string, batch: RewardGroup[], config: Partial<AdvantageConfig> = {}): TurnAdvantages {
  if (!isAdvantageEstimatorName(name)) {
    throw new AdvantageInputError(`unknown advantage estimator "${name}"; known: ${advantageEstimatorNames.join(', ')}`);
  }
  assertValidBatch(batch);
  return advantageEstimators[name](batch, { ...defaultAdvantageConfig, ...config });
}

function assertValidBatch(batch: RewardGroup[]): void {
  batch.forEach((group, g) => {
    if (group.length === 0) throw new AdvantageInputError(`group ${g} has no sessions`);
    group.forEach((s, i) => {
      if (s.turns.length === 0) throw new AdvantageInputError(`group ${g} session ${i} has no agent turns`);
      if (![s.session, ...s.turns].every(Number.isFinite)) throw new AdvantageInputError(`group ${g} session ${i} has a non-finite reward`);
    });
  });
}
