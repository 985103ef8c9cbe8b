export { BotLikenessFeatures, BotLikenessModel, BotLikenessScorer, botLikenessFeatures, TransparentBotLikenessModel } from './bot-likeness';
export {
  checkCompliance,
  checkRuleFields,
  ComplianceRule,
  complianceRuleFields,
  ComplianceScorer,
  defaultComplianceRules,
  disclosesBeingAi,
  isBotQuestion,
  isPatternKind,
  parseComplianceRules,
  Violation,
  visitorAsksIfBot,
} from './compliance';
export { FluencyScorer } from './fluency';
export { MAX_TURN_CHARS, stripInvalidCharacters, TextInputError, validateTurnText, visibleReply } from './input-validation';
export { wholePhraseMatcher } from './operator-patterns';
export { RepetitionScorer } from './repetition';
export {
  answers,
  Ask,
  featuresIn,
  lastVisitorAsks,
  Objection,
  OBJECTION_CUES,
  OBJECTIONS,
  planServes,
  readReply,
  ReplyReading,
  speaksOfProduct,
  statesProductFact,
  statedNeeds,
  seatsPricedIn,
  statedSeats,
  statesSeatTotal,
  visitorAsks,
  wrongSeatTotals,
} from './sales-reading';
export { ConversionOutcome, SessionRewardKind, sessionReward } from './session-reward';
export { wholePhrasePattern } from './text';
export { defaultTurnRewardWeights, TURN_REWARD_TERMS, TurnReward, TurnRewardTerm, TurnRewardWeights } from './turn-reward';
export { defaultRewardConfig, RewardConfig, TurnScores, TurnScoring, turnRewardTerms } from './turn-scoring';
export { HistoryTurn, ScoreResult, Speaker, TurnInput, TurnScorer } from './types';
