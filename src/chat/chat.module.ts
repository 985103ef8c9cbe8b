import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring';
import { ChatSessionRepository } from '../sessions';
import { ChatGateway } from './chat.gateway';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';

@Module({
  imports: [ScoringModule],
  providers: [ChatSessionRepository, TurnLoop, ChatGateway, SessionTimeoutJob],
})
export class ChatModule {}
