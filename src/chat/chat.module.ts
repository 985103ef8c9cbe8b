import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster';
import { HandoffModule } from '../handoff';
import { SessionsModule } from '../sessions';
import { SitesModule } from '../sites';
import { ChatGateway } from './chat.gateway';
import { EventLimiter } from './event-limiter';
import { RasaGateway } from './rasa.gateway';
import { SocketConnections } from './socket-connections';
import { SessionTimeoutJob } from './session-timeout.job';
import { TurnLoop } from './turn-loop';
import { UnansweredTurnsJob } from './unanswered-turns.job';
import { UnansweredTurns } from './unanswered-turns.repository';

@Module({
  imports: [SessionsModule, SitesModule, HandoffModule, ClusterModule],
  providers: [TurnLoop, ChatGateway, RasaGateway, SessionTimeoutJob, UnansweredTurns, UnansweredTurnsJob, EventLimiter, SocketConnections],
  // The admin's erasure ends live sessions through it (a reply streaming for one stops at once); the /admin gateway accepts its sockets as the chat's do.
  exports: [TurnLoop, SocketConnections],
})
export class ChatModule {}
