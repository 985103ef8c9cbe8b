import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { VisitorTextPolicy } from '../privacy';
import { ChatSessionRepository } from './chat-session.repository';
import { VisitorIds } from './visitor-ids';

@Module({
  providers: [
    ChatSessionRepository,
    VisitorIds,
    { provide: VisitorTextPolicy, inject: [ConfigService], useFactory: (config: ConfigService<AppConfig, true>) => new VisitorTextPolicy(config.get('privacy.storeRawText', { infer: true })) },
  ],
  exports: [ChatSessionRepository, VisitorIds],
})
export class SessionsModule {}
