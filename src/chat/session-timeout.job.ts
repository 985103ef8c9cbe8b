import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../config';
import { ChatSessionRepository } from '../sessions';

/** Closes sessions nobody has written to for SESSION_IDLE_MINUTES. */
@Injectable()
export class SessionTimeoutJob {
  private readonly logger = new Logger(SessionTimeoutJob.name);

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Interval(60_000)
  async closeIdleSessions(): Promise<void> {
    const closed = await this.sessions.timeOutIdle(this.config.get('sessionIdleMinutes', { infer: true }));
    if (closed) this.logger.log(`timed out ${closed} idle sessions`);
  }
}
