import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { SessionLock } from '../cluster';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMetrics } from '../metrics';
import { ChatMessage } from '../model';
import { systemPrompt } from '../catalog';
import { PolicyBusyError, REPLY_POLICY, ReplyPolicy, TurnAdmission } from '../policy';
import { HandoffService, LiveEvents, OpenedHandoff } from '../handoff';
import { HistoryTurn, ScoreResult, validateTurnText } from '../scoring';
import { ChatSessionRepository, HeldByPersonError, Turn } from '../sessions';
import { SiteCatalog, SiteCatalogs } from '../sites';
import { replySeed } from './reply-seed';
import { catalogAnswer } from './catalog-answer';
import { CLOSING_FALLBACK, safeFallback } from './safe-fallback';
import { ShutdownDrain } from '../shutdown';
import { SentenceGate } from './sentence-gate';
import { ReplyListener, SentenceStream } from './sentence-stream';

export interface TurnListener extends ReplyListener {
  /** The channel shows deltas as they come (the widget); false when it sends the reply whole (Rasa): no time to first delta then. */
  streams: boolean;
}

export type TurnResult = {
  visitorTurn: Turn;
  /** The reply was stored before (a retried message id): nothing new was stored or generated. */
  duplicate: boolean;
} & ({ reply: Turn; heldByPerson: false } | { reply: null; heldByPerson: true });

/** Why a streaming reply was stopped: a person took the session over, or the session ended. */
const TAKEN_OVER = 'taken_over';
const SESSION_ENDED = 'session_ended';

/** The seller's side of the conversation is the AI's and the people's who took over; the visitor's is theirs; notices are neither. */
const conversationOf = (turns: Turn[]): HistoryTurn[] =>
  turns.filter((t) => t.role !== 'system').map((t) => ({ role: t.role === 'visitor' ? 'visitor' : 'agent', text: t.text }));

/**
 * One visitor message, end to end: store it → prompt from the history (chat template) → generate,
 * streaming each sentence once the reply so far passes the blocking rules (a sentence that breaks
 * one is regenerated from the sentences sent, or the reply is closed with the fallback) → store the
 * reply exactly as sent, with its scores → acknowledge. Messages of one session run one at a time,
 * in arrival order, across replicas too (SessionLock); a retried message id returns the stored reply. A stored visitor message may make a handoff rule
 * ask for a person (the AI keeps answering meanwhile); while a person holds the session, the message
 * is stored and no reply is written, and a takeover stops a reply streaming at that moment.
 */
@Injectable()
export class TurnLoop {
  /** Aborted when the session ends, or a person takes it over, while a reply streams: nothing more is sent or stored. */
  private readonly streaming = new Map<string, AbortController>();
  /** model_versions ids by served version name, looked up once rather than on every reply. */
  private readonly versionIds = new Map<string, Promise<string>>();
  private readonly config: PolicyConfig;

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly catalogs: SiteCatalogs,
    @Inject(REPLY_POLICY) private readonly policy: ReplyPolicy,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    private readonly metrics: ChatMetrics,
    private readonly handoffs: HandoffService,
    private readonly events: LiveEvents,
    private readonly lock: SessionLock,
    private readonly drain: ShutdownDrain,
    private readonly admission: TurnAdmission,
  ) {
    this.config = config.get('policy', { infer: true });
    // Through the lock: the reply may be streaming on another replica.
    lock.onStop((sessionId, reason) => this.streaming.get(sessionId)?.abort(reason));
    events.subscribe((e) => {
      if (e.type === 'handoff' && e.change === 'taken') this.lock.stop(e.handoff.sessionId, TAKEN_OVER);
    });
  }

  handle(sessionId: string, clientMessageId: string, text: string, listener: TurnListener): Promise<TurnResult> {
    // Shutting down: nothing new is started; what was admitted finishes before the server closes.
    this.drain.admit();
    validateTurnText(text);
    // Past capacity the message is refused busy here, before anything is stored.
    const leave = this.admission.enter();
    const run = this.drain.track(this.lock.run(sessionId, () => this.run(sessionId, clientMessageId, text, listener)));
    void run.finally(leave).catch(() => undefined);
    return run;
  }

  /** Ends the session; a reply streaming for it stops at once (it fails with session_closed), a handoff open for it closes. */
  async endSession(sessionId: string): Promise<void> {
    await this.sessions.end(sessionId);
    this.sessionsEnded([sessionId]);
    await this.handoffs.closeEnded();
  }

  /** Sessions ended elsewhere (idle timeout): a reply streaming for one stops at once, on whichever server writes it. */
  sessionsEnded(sessionIds: string[]): void {
    for (const id of sessionIds) this.lock.stop(id, SESSION_ENDED);
  }

  private async run(sessionId: string, clientMessageId: string, text: string, listener: TurnListener): Promise<TurnResult> {
    const ended = new AbortController();
    this.streaming.set(sessionId, ended);
    try {
      return await this.respond(sessionId, clientMessageId, text, listener, ended.signal);
    } finally {
      this.streaming.delete(sessionId);
    }
  }

  private async respond(sessionId: string, clientMessageId: string, text: string, listener: TurnListener, ended: AbortSignal): Promise<TurnResult> {
    const started = performance.now();
    const site = await this.catalogs.forSession(sessionId);
    // A message too long to answer is refused before it is stored (older turns are dropped to fit).
    this.policy.assertFits([{ role: 'system', content: systemPrompt(site.catalog) }, { role: 'user', content: text }]);
    const { turn: visitorTurn, duplicate, reply: stored, history: turns } = await this.sessions.addVisitorTurn(sessionId, clientMessageId, text);
    if (stored) return { visitorTurn, reply: stored, duplicate: true, heldByPerson: false };
    if (!duplicate) this.events.publish({ type: 'turn', sessionId, turn: visitorTurn });
    const held = { visitorTurn, reply: null, duplicate, heldByPerson: true } as const;
    let withdrawn = false;
    let opened: OpenedHandoff | undefined;
    try {
      const history = conversationOf(turns);
      const handoff = await this.handoffs.onVisitorMessage(sessionId, history, site.catalog, !duplicate, site.handoffRulesRevision);
      if (handoff.heldByPerson) return held;
      opened = handoff.opened;
      // The version that wrote the earlier replies keeps the conversation (champion or canary).
      const stickTo = turns.findLast((t) => t.role === 'agent' && t.modelVersionId)?.modelVersionId ?? undefined;
      return { visitorTurn, reply: await this.answer(sessionId, site, clientMessageId, visitorTurn, history, stickTo, listener, started, ended), duplicate: false, heldByPerson: false };
    } catch (err) {
      // Taken over mid-reply (here, or on another server: the store refused it): the message waits for the person.
      if (err instanceof HeldByPersonError || ended.reason === TAKEN_OVER) return held;
      // A refusal stores nothing: the turn this request added is taken back, so a retry starts clean.
      if (err instanceof PolicyBusyError && !duplicate) {
        withdrawn = true;
        await this.sessions.withdrawVisitorTurn(sessionId, visitorTurn.id);
        // Nor does a request for a person it opened stand: the retry asks again.
        if (opened) await this.handoffs.withdrawRequest(sessionId, opened);
      }
      throw err;
    } finally {
      if (!duplicate && !withdrawn) this.metrics.turnStored('visitor');
    }
  }

  /** Streams the reply to the latest visitor turn sentence by sentence, each checked before it is sent, then stores exactly what was sent. */
  private async answer(
    sessionId: string,
    { catalog, scoring }: SiteCatalog,
    clientMessageId: string,
    visitorTurn: Turn,
    history: HistoryTurn[],
    stickTo: string | undefined,
    listener: TurnListener,
    started: number,
    ended: AbortSignal,
  ): Promise<Turn> {
    // A person's messages are the seller's side: the model continues from what the visitor was told.
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(catalog) },
      ...history.map((t): ChatMessage => ({ role: t.role === 'agent' ? 'assistant' : 'user', content: t.text })),
    ];
    const reply = await new SentenceStream(this.policy, new SentenceGate(scoring, history), listener, {
      ended,
      messages,
      conversationId: sessionId,
      stickTo,
      seed: (attempt) => replySeed(sessionId, visitorTurn.index, attempt),
      maxRegenerations: this.config.maxRegenerations,
      nonAnswerCheck: this.config.nonAnswerCheck,
      fallback: safeFallback(history, catalog),
      nonAnswerFallback: () => catalogAnswer(history, catalog),
      closing: CLOSING_FALLBACK,
    }).run();

    const scores = scoring.score(reply.text, history);
    const guardrail: ScoreResult = {
      scorer: 'guardrail',
      version: '2',
      score: reply.blocked.length,
      evidence: { regenerations: reply.blocked.length, fallback: reply.fallback, catalogAnswer: reply.catalogAnswer, closing: reply.closing, busy: reply.busy, blocked: reply.blocked },
    };
    // Version 2: the dense turn reward r_t of docs/rewards.md (0 when clean, in [−1, 1]); version 1 was a positive weighted sum.
    const total: ScoreResult = { scorer: 'total', version: '2', score: scores.total, evidence: { terms: scores.reward.terms } };

    // The reply counts once stored (the ack comes after); a session ended meanwhile gets nothing stored.
    // A champion swapped in mid-reply does not relabel it: the version is the one that wrote it.
    const versionName = reply.version ?? this.policy.versionName();
    const latencyMs = Math.round(performance.now() - started);
    const timeToFirstDeltaMs = listener.streams ? Math.round(reply.firstDeltaAt - started) : null;
    const turn = await this.sessions.addAgentTurn(
      sessionId,
      {
        text: reply.text,
        replyTo: clientMessageId,
        modelVersionId: versionName ? await this.versionId(versionName) : null,
        latencyMs,
        timeToFirstTokenMs: reply.timeToFirstTokenMs,
        timeToFirstDeltaMs,
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
      },
      [...scores.results, total, guardrail],
    );
    this.metrics.replyStored(latencyMs, timeToFirstDeltaMs, scores.violations);
    this.events.publish({ type: 'turn', sessionId, turn });
    return turn;
  }

  private versionId(name: string): Promise<string> {
    let id = this.versionIds.get(name);
    if (!id) {
      id = this.sessions.servedModelVersionId(name, this.config.modelDir);
      id.catch(() => this.versionIds.delete(name));
      this.versionIds.set(name, id);
    }
    return id;
  }
}
