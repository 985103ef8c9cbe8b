import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../config';
import { HandoffService } from '../handoff';
import { ChatSessionRepository } from '../sessions';

/** Closes sessions nobody has written to for SESSION_IDLE_MINUTES, and the handoffs open for them. */
@Injectable()
export class SessionTimeoutJob {
  private readonly logger = new Logger(SessionTimeoutJob.name);

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly handoffs: HandoffService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Interval(60_000)
  async closeIdleSessions(): Promise<void> {
    const closed = await this.sessions.timeOutIdle(this.config.get('sessionIdleMinutes', { infer: true }));
    if (closed) this.logger.log(`timed out ${closed} idle sessions`);
    await this.handoffs.closeEnded();
  }
}
