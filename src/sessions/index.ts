export { ChatSession, SessionChannel, SessionStatus } from './entities/chat-session.entity';
export { Turn, TurnRole } from './entities/turn.entity';
export { TurnScore } from './entities/turn-score.entity';
export { Conversion, ConversionSource } from './entities/conversion.entity';
export { AgentTurnRecord, ChatSessionRepository, ConversionRecord, HandoffTurnRecord, hashToken, HeldByPersonError, replyIdFor, SessionClosedError, SessionSelector } from './chat-session.repository';
export { SessionsModule } from './sessions.module';
export { siteKeySchema, VisitorIds, visitorIdSchema, VisitorIdsDisabledError } from './visitor-ids';
export { latestTurnScore, violationsOf } from './latest-turn-score';
