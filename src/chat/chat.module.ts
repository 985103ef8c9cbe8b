import { Module } from '@nestjs/common';
import { HandoffModule } from '../handoff';
import { SessionsModule } from '../sessions';
import { SitesModule } from '../sites';
import { ChatGateway } from './chat.gateway';
import { RasaGateway } from './rasa.gateway';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';

@Module({
  imports: [SessionsModule, SitesModule, HandoffModule],
  providers: [TurnLoop, ChatGateway, RasaGateway, SessionTimeoutJob],
})
export class ChatModule {}
