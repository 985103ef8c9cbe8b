import { Module } from '@nestjs/common';
import { HandoffModule } from '../handoff';
import { SessionsModule } from '../sessions';
import { SitesModule } from '../sites';
import { ChatGateway } from './chat.gateway';
import { EventLimiter } from './event-limiter';
import { RasaGateway } from './rasa.gateway';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';

@Module({
  imports: [SessionsModule, SitesModule, HandoffModule],
  providers: [TurnLoop, ChatGateway, RasaGateway, SessionTimeoutJob, EventLimiter],
  // The admin's erasure ends live sessions through it (a reply streaming for one stops at once); the /admin gateway limits its events too.
  exports: [TurnLoop, EventLimiter],
})
export class ChatModule {}
