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

export type GenerationEvent =
  | { kind: 'token'; token: number; logprob: number; rawLogprob: number; /** New visible text. */ delta: string }
  | { kind: 'done'; result: GenerationResult };

/** One request's events as they happen (iterate it) and its final result (await `result`). */
export class GenerationStream implements AsyncIterable<GenerationEvent> {
  readonly result: Promise<GenerationResult>;
  private readonly events: GenerationEvent[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private settle!: { resolve: (r: GenerationResult) => void; reject: (e: Error) => void };

  constructor() {
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers that only iterate see the error there; this keeps it from being reported twice.
    this.result.catch(() => undefined);
  }

  push(event: GenerationEvent): void {
    this.events.push(event);
    if (event.kind === 'done') this.settle.resolve(event.result);
    this.wake?.();
  }

  fail(error: Error): void {
    this.failure = error;
    this.settle.reject(error);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<GenerationEvent> {
    for (;;) {
      while (this.events.length === 0 && !this.failure) await new Promise<void>((r) => (this.wake = r));
      const event = this.events.shift();
      if (!event) throw this.failure;
      yield event;
      if (event.kind === 'done') return;
    }
  }
}
