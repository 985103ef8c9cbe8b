export { LossAggregation, lossAggregations } from './aggregation';
export { defaultPolicyLossConfig, PolicyLossConfig } from './policy-loss';
export { defaultPolicyOptimizerConfig, PolicyOptimizer, PolicyOptimizerConfig, UpdateMetrics } from './policy-optimizer';
export { SequenceTooLongError } from './sequences';
export { Rehearsal, rehearsalRows, RehearsalSettings, RehearsalWindow } from './rehearsal';
