import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring';
import { SessionsModule } from '../sessions';
import { ChatGateway } from './chat.gateway';
import { RasaGateway } from './rasa.gateway';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';

@Module({
  imports: [ScoringModule, SessionsModule],
  providers: [TurnLoop, ChatGateway, RasaGateway, SessionTimeoutJob],
})
export class ChatModule {}
