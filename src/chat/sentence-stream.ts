import { performance } from 'node:perf_hooks';
import { ChatMessage } from '../model';
import { PolicyBusyError, ReplyEvent, ReplyPolicy } from '../policy';
import { stripInvalidCharacters } from '../scoring';
import { SessionClosedError } from '../sessions';
import { SentenceBuffer } from './sentence-buffer';
import { NON_ANSWER, SentenceGate } from './sentence-gate';

export interface ReplyListener {
  /** The policy accepted the reply (never before: a `busy` refusal emits nothing). */
  typing(): void;
  /** One sentence, checked; with the space that separates it from the one before. */
  delta(text: string): void;
}

export interface SentenceStreamOptions {
  /** The session ended: stop, send nothing more (SessionClosedError). */
  ended: AbortSignal;
  messages: ChatMessage[];
  conversationId: string;
  /** The model version that wrote the conversation's earlier replies (ReplyOptions.stickTo). */
  stickTo?: string;
  /** The sampling seed of attempt n (0 = first generation). */
  seed: (attempt: number) => number;
  maxRegenerations: number;
  /** Whether a first sentence that does not answer the visitor is regenerated (GUARDRAIL_NON_ANSWER). */
  nonAnswerCheck: boolean;
  /** Sent in place of the reply when no sentence of it has been sent yet. */
  fallback: string;
  /**
   * Sent in place of the reply when even the last attempt opened without answering (with
   * `nonAnswerCheck`) and it breaks no blocking rule: the catalog's answer (catalogAnswer). Written
   * only then, a few replies in a hundred, so the turn does not read the message for it every time.
   */
  nonAnswerFallback: () => string;
  /** Closes a reply whose next sentence could not be written compliantly. */
  closing: string;
}

export interface BlockedText {
  /** What was kept from the visitor: the sentence that broke the rule (and those held before it), or the held reply. */
  text: string;
  rules: string[];
}

export interface StreamedReply {
  /** Exactly what the visitor was sent: the sentences joined by single spaces. */
  text: string;
  blocked: BlockedText[];
  /** The fallback was sent: the whole reply, or its closing sentence when `closing`. */
  fallback: boolean;
  /** The fallback sent was `nonAnswerFallback`, the catalog's answer: no attempt answered the visitor. */
  catalogAnswer: boolean;
  closing: boolean;
  /** A regeneration was refused with `busy`, so the reply was closed with the fallback. */
  busy: boolean;
  /** When (performance.now()) the first sentence went out. */
  firstDeltaAt: number;
  /** From the start of the first attempt whose text was sent to its first token; null when the model wrote none of the reply. */
  timeToFirstTokenMs: number | null;
  promptTokens: number | null;
  /** Tokens of the attempts whose text was sent. */
  completionTokens: number | null;
  /**
   * The model version that wrote the last attempt whose text was sent, when the policy names it; for
   * a fallback with no model text, the version whose attempts it replaced (the session's arm of a canary).
   */
  version: string | undefined;
}

type AttemptEnd = 'complete' | 'blocked';

/**
 * Streams a reply sentence by sentence, each sent only once the reply so far passes the blocking
 * rules. A sentence that breaks one is never sent: generation stops and restarts from the sentences
 * already sent (the policy continues that prefix), up to `maxRegenerations` times; after that the
 * reply is closed with the fallback. Sentences a whole-reply rule still waits on (the AI disclosure
 * a visitor asked for) are held back until it is met, or dropped with the attempt. A reply that
 * opens without answering what the visitor asked (SentenceGate) is regenerated the same way; when
 * the last attempt does not answer either, `nonAnswerFallback` goes out instead (if it breaks no rule).
 */
export class SentenceStream {
  private readonly sent: string[] = [];
  private readonly blocked: BlockedText[] = [];
  private started = false;
  private firstDeltaAt: number | undefined;
  private firstTokenMs: number | null = null;
  private promptTokens: number | null = null;
  private completionTokens: number | null = null;
  private version: string | undefined;
  /** The version that wrote the latest attempt, sent or not. */
  private attemptVersion: string | undefined;

  constructor(
    private readonly policy: ReplyPolicy,
    private readonly gate: SentenceGate,
    private readonly listener: ReplyListener,
    private readonly options: SentenceStreamOptions,
  ) {}

  async run(): Promise<StreamedReply> {
    let busy = false;
    for (let attempt = 0; attempt <= this.options.maxRegenerations; attempt++) {
      try {
        if ((await this.attempt(attempt)) === 'complete') return this.result({ fallback: false, catalogAnswer: false, closing: false, busy });
      } catch (err) {
        // Refused before the reply started: nothing was emitted, the caller reports `busy`. Refused
        // on a regeneration: the visitor already has `typing` and maybe sentences, so the reply is closed now.
        if (!(err instanceof PolicyBusyError) || !this.started) throw err;
        busy = true;
        break;
      }
    }
    const closing = this.sent.length > 0;
    const unanswered = !closing && !!this.blocked.at(-1)?.rules.every((rule) => rule === NON_ANSWER);
    // Checked like the model's text: a site's own rules may forbid something the catalog's answer says.
    const answer = unanswered ? this.options.nonAnswerFallback() : undefined;
    const catalogAnswer = answer !== undefined && this.gate.check(answer, true, false).kind === 'pass';
    this.send(SentenceBuffer.split(closing ? this.options.closing : catalogAnswer ? answer : this.options.fallback));
    return this.result({ fallback: true, catalogAnswer, closing, busy });
  }

  /** One generation, continuing the sentences sent so far; ends complete, or blocked (recorded). */
  private async attempt(n: number): Promise<AttemptEnd> {
    const abort = new AbortController();
    const buffer = new SentenceBuffer();
    const began = performance.now();
    const sentBefore = this.sent.length;
    let firstTokenMs: number | undefined;
    let streamed = '';
    let held: string[] = [];
    let stopped = false;

    const take = (sentences: string[]) => {
      for (const sentence of sentences) {
        if (stopped) return;
        const verdict = this.gate.check([...this.sent, ...held, sentence].join(' '), false, this.judgesAnswer());
        if (verdict.kind === 'block') {
          this.blocked.push({ text: [...held, sentence].join(' '), rules: verdict.rules });
          stopped = true;
          abort.abort();
        } else if (verdict.kind === 'hold') held.push(sentence);
        else {
          this.send([...held, sentence]);
          held = [];
        }
      }
    };

    const prefix = this.sent.join(' ');
    // Nothing sent yet: the openings that did not answer are not to be written again.
    const avoidOpenings = prefix ? [] : this.blocked.filter((b) => b.rules.includes(NON_ANSWER)).map((b) => b.text);
    // The session ending stops the generation too, even while it waits for a row.
    const signal = AbortSignal.any([abort.signal, this.options.ended]);
    const events = this.policy.reply(this.options.messages, { seed: this.options.seed(n), conversationId: this.options.conversationId, stickTo: this.options.stickTo, signal, prefix: prefix || undefined, avoidOpenings: avoidOpenings.length ? avoidOpenings : undefined });
    let done: Extract<ReplyEvent, { kind: 'done' }> | undefined;
    // After a block the stream is still read to its end: the aborted generation reports its tokens and frees the session's cache.
    for await (const e of events) {
      this.assertOpen();
      if (!this.started) this.listener.typing();
      this.started = true;
      firstTokenMs ??= Math.round(performance.now() - began);
      if (e.kind === 'delta') {
        // A byte-level model can sample control bytes no turn may carry: the visitor never sees them.
        const text = stripInvalidCharacters(e.text);
        streamed += text;
        take(buffer.push(text));
      } else {
        done = e;
        take([...buffer.push(tail(stripInvalidCharacters(e.text), streamed)), ...buffer.end()]);
      }
    }
    if (!done) throw new Error('the policy ended without a reply');
    this.attemptVersion = done.version ?? this.attemptVersion;
    const end = stopped ? 'blocked' : this.settle(held);
    if (this.sent.length > sentBefore) {
      this.firstTokenMs ??= firstTokenMs!;
      this.promptTokens ??= done.promptTokens;
      this.completionTokens = (this.completionTokens ?? 0) + done.completionTokens;
      this.version = done.version ?? this.version;
    }
    return end;
  }

  /** The end of an attempt's text: sends the held sentences if the whole reply now passes, else records the block. */
  private settle(held: string[]): AttemptEnd {
    const reply = [...this.sent, ...held];
    if (reply.length === 0) {
      this.blocked.push({ text: '', rules: ['empty_reply'] });
      return 'blocked';
    }
    if (held.length === 0) return 'complete';
    const verdict = this.gate.check(reply.join(' '), true, this.judgesAnswer());
    if (verdict.kind !== 'pass') {
      this.blocked.push({ text: held.join(' '), rules: verdict.rules });
      return 'blocked';
    }
    this.send(held);
    return 'complete';
  }

  /** Whether the gate judges if the reply answers the visitor: only until the first delta (what was sent had passed). */
  private judgesAnswer(): boolean {
    return this.options.nonAnswerCheck && this.sent.length === 0;
  }

  private send(sentences: string[]): void {
    this.assertOpen();
    for (const sentence of sentences) {
      this.listener.delta(this.sent.length ? ` ${sentence}` : sentence);
      this.sent.push(sentence);
      this.firstDeltaAt ??= performance.now();
    }
  }

  private assertOpen(): void {
    if (this.options.ended.aborted) throw new SessionClosedError();
  }

  private result(how: { fallback: boolean; catalogAnswer: boolean; closing: boolean; busy: boolean }): StreamedReply {
    return {
      text: this.sent.join(' '),
      blocked: this.blocked,
      ...how,
      firstDeltaAt: this.firstDeltaAt!,
      timeToFirstTokenMs: this.firstTokenMs,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      version: this.version ?? this.attemptVersion,
    };
  }
}

/** What the final text adds to the streamed deltas (the final text is authoritative for the end of the reply). */
function tail(final: string, streamed: string): string {
  const seen = streamed.trim();
  return final.startsWith(seen) ? final.slice(seen.length) : '';
}
