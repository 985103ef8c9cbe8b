import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMessage } from '../model';
import { systemPrompt } from '../catalog';
import { PolicyBusyError, REPLY_POLICY, ReplyPolicy } from '../policy';
import { HistoryTurn, ScoreResult, stripInvalidCharacters, validateTurnText } from '../scoring';
import { ChatSessionRepository, Turn } from '../sessions';
import { SiteCatalog, SiteCatalogs } from '../sites';
import { safeFallback } from './safe-fallback';

export interface TurnListener {
  typing(): void;
  delta(text: string): void;
}

export interface TurnResult {
  visitorTurn: Turn;
  reply: Turn;
  /** The reply was stored before (a retried message id): nothing new was stored or generated. */
  duplicate: boolean;
}

/**
 * One visitor message, end to end: store it → prompt from the history (chat template) → generate →
 * score → regenerate or fall back if a blocking rule fires → store the reply with its scores → send.
 * The reply is checked and stored before any of it reaches the visitor, then streamed out. Messages of one
 * session run one at a time; a retried message id returns the stored reply.
 */
@Injectable()
export class TurnLoop {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** model_versions ids by served version name, looked up once rather than on every reply. */
  private readonly versionIds = new Map<string, Promise<string>>();
  private readonly config: PolicyConfig;

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly catalogs: SiteCatalogs,
    @Inject(REPLY_POLICY) private readonly policy: ReplyPolicy,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('policy', { infer: true });
  }

  handle(sessionId: string, clientMessageId: string, text: string, listener: TurnListener): Promise<TurnResult> {
    validateTurnText(text);
    const previous = this.inFlight.get(sessionId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.run(sessionId, clientMessageId, text, listener));
    this.inFlight.set(sessionId, run);
    void run.finally(() => this.inFlight.get(sessionId) === run && this.inFlight.delete(sessionId)).catch(() => undefined);
    return run;
  }

  private async run(sessionId: string, clientMessageId: string, text: string, listener: TurnListener): Promise<TurnResult> {
    const started = performance.now();
    const site = await this.catalogs.forSession(sessionId);
    // A message too long to answer is refused before it is stored (older turns are dropped to fit).
    this.policy.assertFits([{ role: 'system', content: systemPrompt(site.catalog) }, { role: 'user', content: text }]);
    const { turn: visitorTurn, duplicate, reply: stored } = await this.sessions.addVisitorTurn(sessionId, clientMessageId, text);
    if (stored) return { visitorTurn, reply: stored, duplicate: true };
    try {
      return { visitorTurn, reply: await this.answer(sessionId, site, clientMessageId, visitorTurn, listener, started), duplicate: false };
    } catch (err) {
      // A refusal stores nothing: the turn this request added is taken back, so a retry starts clean.
      if (err instanceof PolicyBusyError && !duplicate) await this.sessions.withdrawVisitorTurn(sessionId, visitorTurn.id);
      throw err;
    }
  }

  /** Generates, checks and stores the reply to the latest visitor turn, then streams it. */
  private async answer(sessionId: string, { catalog, scoring }: SiteCatalog, clientMessageId: string, visitorTurn: Turn, listener: TurnListener, started: number): Promise<Turn> {
    const history: HistoryTurn[] = (await this.sessions.history(sessionId))
      .filter((t) => t.role !== 'system')
      .map((t) => ({ role: t.role === 'agent' ? 'agent' : 'visitor', text: t.text }));
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(catalog) },
      ...history.map((t): ChatMessage => ({ role: t.role === 'agent' ? 'assistant' : 'user', content: t.text })),
    ];
    // `typing` goes out once the policy has accepted the reply, so a `busy` refusal emits nothing.
    let typing = false;
    const accepted = () => {
      if (!typing) listener.typing();
      typing = true;
    };

    const blocked: { text: string; rules: string[] }[] = [];
    let final: { text: string; promptTokens: number | null; completionTokens: number | null; timeToFirstTokenMs: number | null } | undefined;
    for (let attempt = 0; attempt <= this.config.maxRegenerations && !final; attempt++) {
      const candidate = await this.generate(messages, visitorTurn.index * 1000 + attempt, sessionId, accepted);
      const scores = candidate.text ? scoring.score(candidate.text, history) : undefined;
      if (scores && !scores.blocking) final = candidate;
      else blocked.push({ text: candidate.text, rules: scores?.violations.filter((v) => v.severity === 'block').map((v) => v.ruleId) ?? ['empty_reply'] });
    }
    const reply = final ?? { text: safeFallback(history, catalog), promptTokens: null, completionTokens: null, timeToFirstTokenMs: null };
    const scores = scoring.score(reply.text, history);
    const guardrail: ScoreResult = {
      scorer: 'guardrail',
      version: '1',
      score: blocked.length,
      evidence: { regenerations: blocked.length, fallback: !final, blocked },
    };
    // Version 2: the dense turn reward r_t of docs/rewards.md (0 when clean, in [−1, 1]); version 1 was a positive weighted sum.
    const total: ScoreResult = { scorer: 'total', version: '2', score: scores.total, evidence: { terms: scores.reward.terms } };

    // Stored first (no lost turns), then streamed word by word; a session ended meanwhile gets nothing stored.
    const versionName = this.policy.versionName();
    const agentTurn = await this.sessions.addAgentTurn(
      sessionId,
      {
        text: reply.text,
        replyTo: clientMessageId,
        modelVersionId: versionName ? await this.versionId(versionName) : null,
        latencyMs: Math.round(performance.now() - started),
        timeToFirstTokenMs: reply.timeToFirstTokenMs,
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
      },
      [...scores.results, total, guardrail],
    );
    for (const piece of reply.text.match(/\S+\s*/g) ?? [reply.text]) listener.delta(piece);
    return agentTurn;
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

  /** One attempt; its time to first token runs from the start of its generation to its first piece of text. */
  private async generate(messages: ChatMessage[], seed: number, conversationId: string, accepted: () => void) {
    const began = performance.now();
    let timeToFirstTokenMs: number | undefined;
    for await (const e of this.policy.reply(messages, { seed, conversationId })) {
      accepted();
      timeToFirstTokenMs ??= Math.round(performance.now() - began);
      // A byte-level model can sample control bytes no turn may carry: the visitor never sees them.
      if (e.kind === 'done') return { text: stripInvalidCharacters(e.text).trim(), promptTokens: e.promptTokens, completionTokens: e.completionTokens, timeToFirstTokenMs };
    }
    throw new Error('the policy ended without a reply');
  }
}
