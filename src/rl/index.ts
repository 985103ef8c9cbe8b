/** DuCA multi-turn RL: advantage estimators, the policy update, rollouts and the training loop. */
export * from './advantages';
export { EVALUATION_SEED_BASE, mixSeeds, TRAINING_SEED_LIMIT, TrainingContext, trainingContexts } from './contexts';
export { AgentTurnSpan, Episode } from './episode';
export * from './policy';
export { ON_POLICY_SAMPLING, SERVING_SAMPLING } from './pool-rollouts';
export { RolloutJob, RolloutSource, ScoredSession } from './rollouts';
export { RunDirectory } from './trainer/run-directory';
export { runTrainingLoop, StepMetrics, TrainingLoopConfig, TrainingProgress } from './trainer/training-loop';
