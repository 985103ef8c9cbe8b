import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring';
import { ChatSessionRepository } from '../sessions';
import { ChatGateway } from './chat.gateway';
import { RasaGateway } from './rasa.gateway';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';

@Module({
  imports: [ScoringModule],
  providers: [ChatSessionRepository, TurnLoop, ChatGateway, RasaGateway, SessionTimeoutJob],
})
export class ChatModule {}
