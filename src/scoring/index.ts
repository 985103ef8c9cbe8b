export { BotLikenessFeatures, BotLikenessModel, BotLikenessScorer, botLikenessFeatures, TransparentBotLikenessModel } from './bot-likeness';
export {
  BUILT_IN_RULE_KINDS,
  checkCompliance,
  checkRuleFields,
  COMPLIANCE_RULE_KINDS,
  ComplianceRule,
  complianceRuleFields,
  ComplianceRuleKind,
  ComplianceScorer,
  defaultComplianceRules,
  isBotQuestion,
  isPatternKind,
  parseComplianceRules,
  PATTERN_RULE_KINDS,
  Violation,
  visitorAsksIfBot,
} from './compliance';
export { FluencyScorer } from './fluency';
export { MAX_TURN_CHARS, stripInvalidCharacters, TextInputError, validateTurnText, visibleReply } from './input-validation';
export { RepetitionScorer } from './repetition';
export {
  answers,
  Ask,
  featuresIn,
  Objection,
  OBJECTION_CUES,
  OBJECTIONS,
  planServes,
  readReply,
  ReplyReading,
  statedNeeds,
  statedSeats,
  visitorAsks,
  wrongSeatTotals,
} from './sales-reading';
export { ConversionOutcome, SessionRewardKind, sessionReward } from './session-reward';
export { wholePhrasePattern } from './text';
export { defaultTurnRewardWeights, TURN_REWARD_TERMS, TurnReward, TurnRewardTerm, TurnRewardWeights } from './turn-reward';
export { defaultRewardConfig, RewardConfig, TurnScores, TurnScoring, turnRewardTerms } from './turn-scoring';
export { HistoryTurn, ScoreResult, Speaker, TurnInput, TurnScorer } from './types';
