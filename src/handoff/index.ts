export { HandoffError } from './handoff-error';
export { DealEstimate, estimateDeal, HandoffRequest, HandoffRule, HandoffRuleKind, handoffRuleSchema, PhraseMatchers, requestedHandoff } from './handoff-rules';
export { HandoffRulesRepository } from './handoff-rules.repository';
export { HandoffPerson, HandoffReason, HandoffRepository, HandoffState, HandoffView, LiveSession, OpenHandoffState } from './handoff.repository';
export { handoffNotices, HandoffService, OpenedHandoff } from './handoff.service';
export { LiveEvent, LiveEventListener, LiveEvents, VisitorSideState } from './live-events';
export { HandoffModule } from './handoff.module';
export { liveTurnView, TurnAuthor, turnAuthor } from './turn-view';
