export type FinishReason = 'eos' | 'stop' | 'length' | 'cancelled';

export interface GenerationResult {
  /** The sampled tokens, the end-of-reply token (EOS / <|im_end|>) included when the reply ended on it. */
  tokens: number[];
  /** Per sampled token: log-prob under the distribution it was drawn from (penalty, temperature, top-k/p). */
  logprobs: number[];
  /** Per sampled token: log-prob under the model's raw logits. */
  rawLogprobs: number[];
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  /** Prompt tokens whose keys/values came from the conversation's cache instead of a prefill. */
  reusedTokens: number;
}

export type TokenEvent = { kind: 'token'; token: number; logprob: number; rawLogprob: number; /** New visible text. */ delta: string };

export type GenerationEvent = TokenEvent | { kind: 'done'; result: GenerationResult };

/**
 * One request's events as they happen (iterate it) and its final result (await `result`): any
 * number of events `E`, then `{ kind: 'done', result }`, or a failure.
 */
export class EventStream<E extends { kind: string }, R> implements AsyncIterable<E | { kind: 'done'; result: R }> {
  readonly result: Promise<R>;
  private readonly events: (E | { kind: 'done'; result: R })[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private settle!: { resolve: (r: R) => void; reject: (e: Error) => void };

  constructor() {
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers that only iterate see the error there; this keeps it from being reported twice.
    this.result.catch(() => undefined);
  }

  push(event: E | { kind: 'done'; result: R }): void {
    this.events.push(event);
    if (isDone<R>(event)) this.settle.resolve(event.result);
    this.wake?.();
  }

  fail(error: Error): void {
    this.failure = error;
    this.settle.reject(error);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<E | { kind: 'done'; result: R }> {
    for (;;) {
      while (this.events.length === 0 && !this.failure) await new Promise<void>((r) => (this.wake = r));
      const event = this.events.shift();
      if (!event) throw this.failure;
      yield event;
      if (isDone(event)) return;
    }
  }
}

function isDone<R>(event: { kind: string }): event is { kind: 'done'; result: R } {
  return event.kind === 'done';
}

/** A generator request's tokens as they are sampled, then its result. */
export class GenerationStream extends EventStream<TokenEvent, GenerationResult> {}
