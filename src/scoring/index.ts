export { BotLikenessFeatures, BotLikenessModel, BotLikenessScorer, botLikenessFeatures, TransparentBotLikenessModel } from './bot-likeness';
export { checkCompliance, ComplianceRule, ComplianceScorer, defaultComplianceRules, parseComplianceRules, Violation, visitorAsksIfBot } from './compliance';
export { FluencyScorer } from './fluency';
export { MAX_TURN_CHARS, TextInputError, validateTurnText } from './input-validation';
export { RepetitionScorer } from './repetition';
export { defaultTurnRewardWeights, TurnRewardWeights, TurnScores, TurnScoring } from './turn-scoring';
export { HistoryTurn, ScoreResult, Speaker, TurnInput, TurnScorer } from './types';
export { ConversionOutcome, defaultSessionRewardConfig, SessionRewardConfig, sessionReward } from './session-reward';
export { ScoringModule } from './scoring.module';
