import { Module } from '@nestjs/common';
import { ChatSessionRepository } from './chat-session.repository';

@Module({
  providers: [ChatSessionRepository],
  exports: [ChatSessionRepository],
})
export class SessionsModule {}
