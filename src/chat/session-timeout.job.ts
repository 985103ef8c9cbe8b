import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../config';
import { HandoffService } from '../handoff';
import { ChatSessionRepository } from '../sessions';
import { TurnLoop } from './turn-loop';

/** Closes sessions nobody has written to for SESSION_IDLE_MINUTES, stops a reply still streaming for one, and closes the handoffs open for them. */
@Injectable()
export class SessionTimeoutJob {
  private readonly logger = new Logger(SessionTimeoutJob.name);

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly handoffs: HandoffService,
    private readonly turns: TurnLoop,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Interval(60_000)
  async closeIdleSessions(): Promise<void> {
    const closed = await this.sessions.timeOutIdle(this.config.get('sessionIdleMinutes', { infer: true }));
    this.turns.sessionsEnded(closed);
    if (closed.length) this.logger.log(`timed out ${closed.length} idle sessions`);
    await this.handoffs.closeEnded();
  }
}
