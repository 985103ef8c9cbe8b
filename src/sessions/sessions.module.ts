import { Module } from '@nestjs/common';
import { ChatSessionRepository } from './chat-session.repository';
import { VisitorIds } from './visitor-ids';

@Module({
  providers: [ChatSessionRepository, VisitorIds],
  exports: [ChatSessionRepository, VisitorIds],
})
export class SessionsModule {}
