import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { HandoffRulesRepository } from './handoff-rules.repository';
import { HandoffRepository } from './handoff.repository';
import { HandoffService } from './handoff.service';
import { LiveEvents } from './live-events';

/** Live takeover's core, shared by the chat gateways (one instance: one event hub) and the admin API. */
@Module({
  imports: [SessionsModule],
  providers: [HandoffRepository, HandoffRulesRepository, HandoffService, LiveEvents],
  exports: [HandoffRepository, HandoffRulesRepository, HandoffService, LiveEvents],
})
export class HandoffModule {}
