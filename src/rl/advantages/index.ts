export { monteCarloReturns } from './estimators';
export {
  AdvantageEstimatorName,
  advantageEstimatorNames,
  advantageEstimators,
  computeAdvantages,
  isAdvantageEstimatorName,
} from './registry';
export { AdvantageConfig, AdvantageEstimator, AdvantageInputError, defaultAdvantageConfig, RewardGroup, SessionRewards, TurnAdvantages } from './types';
