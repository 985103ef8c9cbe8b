import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { Database } from '../database';
import { PolicyBusyError } from '../policy';
import { ShuttingDownError } from '../shutdown';
import { ChatGateway } from './chat.gateway';
import { RasaGateway } from './rasa.gateway';
import { TurnLoop } from './turn-loop';
import { UnansweredTurn, UnansweredTurns } from './unanswered-turns.repository';

/** Nothing streams: the reply goes out whole once stored. */
const SILENT = { streams: false, typing: () => undefined, delta: () => undefined };

/** How long a reply waits for its Rasa client to rejoin the session's room after a restart. */
const RASA_REJOIN_WAIT_MS = 120_000;

/** A message refused `busy` (the server is at capacity) is tried again after this pause, until answered or the session goes idle. */
const BUSY_RETRY_MS = 1_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

type Outcome = 'answered' | 'skipped' | 'busy' | 'stop';

/**
 * At start-up, answers the visitor messages a crash (SIGKILL, a drain cut short) left unanswered
 * in live sessions, oldest first, each once across servers (see UnansweredTurns.claimNext), through
 * the turn loop with the message's own id: a widget that resends it meanwhile gets the same reply,
 * never a second one. The widget finds the reply in its history when it resumes (or as
 * `reply:final` if it already did); a Rasa client, which never resends, gets it as `bot_uttered`
 * in its room once it has rejoined it. Runs in the background: the server listens meanwhile.
 */
@Injectable()
export class UnansweredTurnsJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UnansweredTurnsJob.name);
  private readonly stopping = new AbortController();
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly unanswered: UnansweredTurns,
    private readonly turns: TurnLoop,
    private readonly chat: ChatGateway,
    private readonly rasa: RasaGateway,
    @Inject(Database) private readonly database: Database,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.run().catch((err: Error) => this.logger.error({ err }, 'answering the messages left unanswered failed'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /** Resolves with how many messages it answered. */
  async run(): Promise<number> {
    const before = await this.unanswered.now();
    const idleMinutes = this.config.get('sessionIdleMinutes', { infer: true });
    const tried: string[] = [];
    let answered = 0;
    // A few at a time (each claim holds a connection while its reply is written); the embedded database has one.
    const poolSize = this.database.kind === 'embedded' ? 1 : this.config.get('database.poolSize', { infer: true });
    const workers = Math.min(4, Math.max(1, Math.floor(poolSize / 3)));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (!this.stopping.signal.aborted) {
          const outcome = await this.unanswered.claimNext(before, idleMinutes, tried, (turn) => this.answer(turn, tried));
          if (outcome === undefined || outcome === 'stop') return;
          if (outcome === 'answered') answered++;
          // Waits outside the claim, so the turn's row and connection are free meanwhile.
          if (outcome === 'busy') await sleep(BUSY_RETRY_MS, this.stopping.signal);
        }
      }),
    );
    if (answered) this.logger.log(`answered ${answered} visitor messages left unanswered by the previous run`);
    return answered;
  }

  private async answer(turn: UnansweredTurn, tried: string[]): Promise<Outcome> {
    tried.push(turn.id);
    try {
      const result = await this.turns.handle(turn.sessionId, turn.clientMessageId, turn.text, SILENT);
      // Answered meanwhile (the widget resent it), or a person holds the session: nothing to send.
      if (result.duplicate || !result.reply) return 'skipped';
      const reply = result.reply;
      if (turn.channel === 'widget') {
        this.chat.deliverLate(turn.sessionId, { clientMessageId: turn.clientMessageId, visitorTurnId: turn.id, turnId: reply.id, text: reply.text });
      } else if (turn.rasaSessionId) {
        const rasaSessionId = turn.rasaSessionId;
        void this.rasa.deliverLate(rasaSessionId, reply.text, RASA_REJOIN_WAIT_MS, this.stopping.signal).then((sent) => {
          if (!sent) this.logger.warn(`no Rasa client rejoined ${rasaSessionId} within ${RASA_REJOIN_WAIT_MS / 1000} s; the reply is stored`);
        });
      }
      return 'answered';
    } catch (err) {
      if (err instanceof ShuttingDownError) return 'stop';
      if (err instanceof PolicyBusyError) {
        // Live traffic filled the server: the message is tried again, instead of being left unanswered until the next restart.
        tried.splice(tried.indexOf(turn.id), 1);
        return 'busy';
      }
      this.logger.warn(`could not answer message ${turn.clientMessageId} of session ${turn.sessionId}: ${(err as Error).message}`);
      return 'skipped';
    }
  }
}
