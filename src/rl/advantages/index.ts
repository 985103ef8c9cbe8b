export { monteCarloReturns } from './estimators';
export {
  AdvantageEstimatorName,
  advantageEstimatorNames,
  advantageEstimators,
  computeAdvantages,
  isAdvantageEstimatorName,
} from './registry';
export { standardize } from './statistics';
export { AdvantageConfig, AdvantageEstimator, AdvantageInputError, defaultAdvantageConfig, RewardGroup, SessionRewards, TurnAdvantages } from './types';
