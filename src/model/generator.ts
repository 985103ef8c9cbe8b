import { Rng } from '../engine';
import { CausalLm, RowLogits } from './causal-lm';
import { FinishReason, GenerationResult, GenerationStream } from './generation-stream';
import { bucket, bucketValues, capacityBucketValues, SequenceKv, SlotKvCache } from './kv-cache';
import { defaultSampling, SAMPLING_KEYS, sampleToken, SamplingOptions } from './sampling';
import { ChatTokenizer } from './tokenizer';

export interface GenerationRequest extends Partial<SamplingOptions> {
  prompt: number[];
  maxNewTokens: number;
  /** The row's own RNG seed: the same seed gives the same reply whatever else is in the batch. */
  seed: number;
  /** Generation stops before the first occurrence of any of these strings. */
  stop?: string[];
  /** Token ids the reply may not start with (Hugging Face's `begin_suppress_tokens`). */
  beginSuppressTokens?: number[];
  signal?: AbortSignal;
  /**
   * The conversation's cache: keys/values of the prefix it shares with the prompt are reused
   * (only the rest is prefilled), and afterwards it holds the prompt and the reply.
   */
  cache?: SequenceKv;
}

export interface GenerateOptions extends Omit<GenerationRequest, 'prompt' | 'seed' | 'cache'> {
  /** One seed per prompt, or one number: prompt b then draws from Rng(seed + b). */
  seed: number | number[];
}

export interface GeneratorOptions {
  /** Rows decoded together. */
  maxBatch?: number;
  /** Requests allowed to wait beyond the free rows; past it `submit` throws QueueFullError. */
  maxQueue?: number;
  /** End-of-reply ids besides config.json's and the tokenizer's eos_token (e.g. generation_config.json's). */
  eosTokenIds?: number[];
}

/** The generator's queue is full; the caller should retry later. */
export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`${queued} requests are already waiting`);
    this.name = 'QueueFullError';
  }
}

/** Throws unless the prompt leaves room for at least one reply token in the context. */
export function checkPrompt(prompt: readonly number[], maxContext: number): void {
  if (prompt.length === 0) throw new Error('the prompt is empty');
  if (prompt.length >= maxContext) throw new Error(`a prompt of ${prompt.length} tokens leaves no room in the ${maxContext}-token context`);
}

/** Prefill chunk lengths (powers of two) and rows prefilled together: bounds the session shapes compiled. */
const PREFILL = { minChunk: 16, maxChunk: 256, maxRows: 8 };

/** One ORT session shape of the step graph: rows, new tokens per row, cache capacity bucket. */
export interface StepShape {
  batch: number;
  chunk: number;
  capacity: number;
}

/**
 * Continuous batching (as vLLM's scheduler does it): requests join the running batch at the next
 * decode step, each after a prefill of its own new tokens, and leave it as soon as they finish,
 * freeing their row. One decode step advances every running row by one token.
 */
export class Generator {
  private readonly waiting: Row[] = [];
  /** Running rows; row i lives in cache slot i. */
  private readonly running: Row[] = [];
  private cache: SlotKvCache;
  private looping = false;
  private readonly eos: Set<number>;
  readonly maxBatch: number;
  private readonly maxQueue: number;

  constructor(
    readonly lm: CausalLm,
    readonly tokenizer: ChatTokenizer,
    { maxBatch = 8, maxQueue = Infinity, eosTokenIds = [] }: GeneratorOptions = {},
  ) {
    const eosToken = tokenizer.eosTokenId;
    this.eos = new Set([...lm.config.eosTokenIds, ...eosTokenIds, ...(eosToken === undefined ? [] : [eosToken])]);
    this.maxBatch = maxBatch;
    this.maxQueue = maxQueue;
    this.cache = lm.newCache();
  }

  /** Requests waiting to join the batch (at its next step, or when a row frees up). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Rows in the running batch. */
  get active(): number {
    return this.running.length;
  }

  isEndOfReply(token: number): boolean {
    return this.eos.has(token);
  }

  submit(request: GenerationRequest): GenerationStream {
    checkPrompt(request.prompt, this.lm.maxContext);
    const freeRows = Math.max(0, this.maxBatch - this.running.length);
    if (this.waiting.length - freeRows >= this.maxQueue) throw new QueueFullError(this.waiting.length - freeRows);
    const row = new Row(request, this);
    this.waiting.push(row);
    if (!this.looping) {
      this.looping = true;
      void this.loop();
    }
    return row.stream;
  }

  /**
   * Every step shape this generator can run: decode steps (one token per row, the batch bucketed
   * up to maxBatch) and prefill chunks (rows joining together, chunk lengths bucketed), each at
   * every capacity bucket that can hold it. A prefill chunk never exceeds what its capacity holds,
   * since the capacity is fitted to the longest prompt first.
   */
  servingShapes(): StepShape[] {
    const capacities = capacityBucketValues(this.cache.minCapacity, this.cache.maxCapacity);
    const decode = bucketValues(1, this.maxBatch).flatMap((batch) => capacities.map((capacity) => ({ batch, chunk: 1, capacity })));
    const prefillRows = bucketValues(1, bucket(Math.min(PREFILL.maxRows, this.maxBatch), 1, Infinity));
    const prefill = prefillRows.flatMap((batch) =>
      capacities.flatMap((capacity) => bucketValues(PREFILL.minChunk, bucket(capacity, PREFILL.minChunk, PREFILL.maxChunk)).map((chunk) => ({ batch, chunk, capacity }))),
    );
    return [...decode, ...prefill];
  }

  /** Compiles every serving shape now (before traffic: a first use would stall its step by a compile). */
  async precompile(): Promise<{ shapes: number; seconds: number }> {
    const started = performance.now();
    const shapes = this.servingShapes();
    for (const { batch, chunk, capacity } of shapes) await this.lm.prepare(batch, chunk, capacity);
    return { shapes: shapes.length, seconds: (performance.now() - started) / 1000 };
  }

  /** Generates for several prompts at once and waits for every result. */
  async generate(prompts: number[][], o: GenerateOptions): Promise<GenerationResult[]> {
    const seedOf = (b: number) => (Array.isArray(o.seed) ? o.seed[b] : o.seed + b);
    return Promise.all(prompts.map((prompt, b) => this.submit({ ...o, prompt, seed: seedOf(b) }).result));
  }

  private async loop(): Promise<void> {
    try {
      while (this.waiting.length > 0 || this.running.length > 0) {
        // Lets callers whose reply just ended (a rollout's visitor answering) submit their next turn in time to join this step.
        await new Promise<void>((resolve) => setImmediate(resolve));
        try {
          for (const row of this.waiting.filter((r) => r.request.signal?.aborted)) {
            this.waiting.splice(this.waiting.indexOf(row), 1);
            row.finish('cancelled');
          }
          while (this.running.length < this.maxBatch && this.waiting.length > 0) {
            await this.admit(this.waiting.splice(0, Math.min(PREFILL.maxRows, this.maxBatch - this.running.length)));
          }
          this.running.forEach((row) => row.request.signal?.aborted && row.finish('cancelled'));
          this.retireFinished();
          if (this.running.length > 0) await this.decode();
        } catch (err) {
          // A failed step leaves the batch's cache unusable: every running row fails, waiting ones go on.
          for (const row of this.running) row.fail(err as Error);
          this.running.length = 0;
          this.cache = this.lm.newCache();
        }
      }
    } finally {
      this.looping = false;
    }
  }

  /** Puts joining rows in the next free slots and prefills them together (what each cache does not hold). */
  private async admit(rows: Row[]): Promise<void> {
    const first = this.running.length;
    const batch = bucket(rows.length, 1, Infinity);
    this.cache.fit(first + batch, Math.max(this.longest(), ...rows.map((r) => r.request.prompt.length)));
    rows.forEach((row, i) => {
      this.running.push(row);
      this.cache.load(first + i, row.sequence, row.claimCache());
    });
    const pending = rows.map((row, i) => row.request.prompt.slice(this.cache.lengths[first + i]));
    const lastLogits: RowLogits[] = [];
    for (let start = 0; pending.some((p) => p.length > start); ) {
      const chunk = bucket(Math.max(...pending.map((p) => p.length - start)), PREFILL.minChunk, PREFILL.maxChunk);
      const parts = Array.from({ length: batch }, (_, i) => pending[i]?.slice(start, start + chunk) ?? []);
      const logits = await this.lm.forward(this.cache, first, parts, chunk);
      parts.forEach((part, i) => part.length > 0 && start + part.length === pending[i].length && (lastLogits[i] = logits[i]));
      start += chunk;
    }
    rows.forEach((row, i) => row.sample(lastLogits[i]));
    this.retireFinished();
  }

  private async decode(): Promise<void> {
    const n = this.running.length;
    const batch = bucket(n, 1, this.maxBatch);
    this.cache.fit(batch, this.longest());
    const tokens = Array.from({ length: batch }, (_, i) => (i < n ? [this.running[i].lastToken] : []));
    const logits = await this.lm.forward(this.cache, 0, tokens, 1);
    this.running.forEach((row, i) => row.sample(logits[i]));
    this.retireFinished();
  }

  /** Positions the longest running row needs at its next step. */
  private longest(): number {
    return Math.max(1, ...this.running.map((_, i) => this.cache.lengths[i] + 1));
  }

  /** Removes finished rows, saving their keys/values to their conversation's cache; rows stay packed in the first slots. */
  private retireFinished(): void {
    for (let i = this.running.length - 1; i >= 0; i--) {
      const row = this.running[i];
      if (!row.done) continue;
      row.releaseCache(this.cache, i);
      const last = this.running.length - 1;
      if (i !== last) {
        this.cache.move(last, i);
        this.running[i] = this.running[last];
      }
      this.running.pop();
      this.cache.pop();
    }
  }
}

/** One request while it waits or runs. */
class Row {
  readonly stream = new GenerationStream();
  readonly sequence: SequenceKv;
  private readonly sampling: SamplingOptions;
  private readonly rng: Rng;
  private readonly tokens: number[] = [];
  private readonly logprobs: number[] = [];
  private readonly rawLogprobs: number[] = [];
  /** Distinct tokens of prompt and reply, for the repetition penalty. */
  private readonly seen: number[] = [];
  private readonly seenMask: Uint8Array;
  private text = '';
  private reused = 0;
  private ownsCache = false;
  done = false;

  constructor(
    readonly request: GenerationRequest,
    private readonly generator: Generator,
  ) {
    this.sampling = { ...defaultSampling, ...definedOnly(request) };
    this.rng = new Rng(request.seed);
    this.seenMask = new Uint8Array(generator.lm.config.vocabSize);
    request.prompt.forEach((t) => this.see(t));
    this.sequence = request.cache ?? new SequenceKv(generator.lm.config);
  }

  get lastToken(): number {
    return this.tokens[this.tokens.length - 1];
  }

  /** Takes the conversation's cache for this run; returns how many prompt tokens it already holds. */
  claimCache(): number {
    const cache = this.request.cache;
    // A cache another running request holds is left alone: this one starts from scratch.
    if (!cache || leased.has(cache)) return 0;
    leased.add(cache);
    this.ownsCache = true;
    // At least the last prompt token is run, for the logits of the first reply token.
    this.reused = Math.min(cache.commonPrefix(this.request.prompt), this.request.prompt.length - 1);
    cache.truncate(this.reused);
    return this.reused;
  }

  releaseCache(slots: SlotKvCache, slot: number): void {
    if (!this.ownsCache) return;
    slots.store(slot, this.sequence, this.reused);
    const held = slots.lengths[slot];
    this.sequence.tokens.push(...[...this.request.prompt, ...this.tokens].slice(this.reused, held));
    leased.delete(this.sequence);
    this.ownsCache = false;
  }

  sample({ logits, logZ }: RowLogits): void {
    if (this.done) return;
    const suppress = this.tokens.length === 0 ? this.request.beginSuppressTokens : undefined;
    const { token, logprob, rawLogprob } = sampleToken(logits, this.seen, this.sampling, this.rng, logZ, suppress);
    this.tokens.push(token);
    this.logprobs.push(logprob);
    this.rawLogprobs.push(rawLogprob);
    if (this.generator.isEndOfReply(token)) {
      this.stream.push({ kind: 'token', token, logprob, rawLogprob, delta: '' });
      return this.finish('eos');
    }
    this.see(token);
    const full = this.generator.tokenizer.decode(this.tokens);
    const stopAt = firstStop(full, this.request.stop);
    const visible = stopAt === undefined ? full : full.slice(0, stopAt);
    // Hold back a trailing replacement char: it is half of a multi-byte character.
    const settled = visible.endsWith('\uFFFD') ? this.text : visible;
    const delta = settled.slice(this.text.length);
    this.text = settled;
    this.stream.push({ kind: 'token', token, logprob, rawLogprob, delta });
    if (stopAt !== undefined) this.finish('stop');
    else if (this.tokens.length >= this.request.maxNewTokens || this.request.prompt.length + this.tokens.length >= this.generator.lm.maxContext) this.finish('length');
  }

  finish(finishReason: FinishReason): void {
    if (this.done) return;
    this.done = true;
    const result: GenerationResult = {
      tokens: this.tokens,
      logprobs: this.logprobs,
      rawLogprobs: this.rawLogprobs,
      text: this.text,
      finishReason,
      promptTokens: this.request.prompt.length,
      reusedTokens: this.reused,
    };
    this.stream.push({ kind: 'done', result });
  }

  fail(error: Error): void {
    this.done = true;
    if (this.ownsCache) {
      leased.delete(this.sequence);
      this.ownsCache = false;
    }
    this.stream.fail(error);
  }

  private see(token: number): void {
    if (this.seenMask[token]) return;
    this.seenMask[token] = 1;
    this.seen.push(token);
  }
}

/** Conversation caches held by a running request. */
const leased = new WeakSet<SequenceKv>();

function definedOnly(o: Partial<SamplingOptions>): Partial<SamplingOptions> {
  const out: Partial<SamplingOptions> = {};
  for (const key of SAMPLING_KEYS) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

function firstStop(text: string, stops: string[] | undefined): number | undefined {
  let at: number | undefined;
  for (const s of stops ?? []) {
    const i = text.indexOf(s);
    if (i >= 0 && (at === undefined || i < at)) at = i;
  }
  return at;
}
