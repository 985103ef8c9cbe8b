import { Rng } from '../engine';
import { CausalLm } from './causal-lm';
import { defaultSampling, sampleToken, SamplingOptions } from './sampling';
import { ChatTokenizer } from './tokenizer';

export interface GenerateOptions extends Partial<SamplingOptions> {
  maxNewTokens: number;
  /** Generation stops before the first occurrence of any of these strings. */
  stop?: string[];
  /** One seed per row, or one number: row b then draws from Rng(seed + b). */
  seed: number | number[];
  signal?: AbortSignal;
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'cancelled';

export interface GenerationResult {
  tokens: number[];
  /** log p(token) under the model for each generated token. */
  logprobs: number[];
  text: string;
  finishReason: FinishReason;
}

export type GenerationEvent =
  | { kind: 'token'; row: number; token: number; logprob: number; /** New visible text. */ delta: string }
  | { kind: 'done'; row: number; result: GenerationResult };

/** Batched sampling with a KV cache, streamed token by token. */
export class Generator {
  private readonly eos: Set<number>;

  constructor(
    readonly lm: CausalLm,
    readonly tokenizer: ChatTokenizer,
  ) {
    const eosToken = tokenizer.config.eos_token ? tokenizer.tokenId(tokenizer.config.eos_token) : undefined;
    this.eos = new Set([...lm.config.eosTokenIds, ...(eosToken === undefined ? [] : [eosToken])]);
  }

  async *stream(prompts: number[][], o: GenerateOptions): AsyncGenerator<GenerationEvent> {
    const sampling: SamplingOptions = { ...defaultSampling, ...o };
    const seedOf = (b: number) => (Array.isArray(o.seed) ? o.seed[b] : o.seed + b);
    const rows = prompts.map((prompt, b) => ({ prompt, rng: new Rng(seedOf(b)), tokens: [] as number[], logprobs: [] as number[], text: '', done: false }));
    const cache = this.lm.newCache(prompts.length);
    let logits = await this.lm.append(cache, prompts);
    const finish = (b: number, reason: FinishReason): GenerationEvent => {
      const r = rows[b];
      r.done = true;
      return { kind: 'done', row: b, result: { tokens: r.tokens, logprobs: r.logprobs, text: r.text, finishReason: reason } };
    };

    while (rows.some((r) => !r.done)) {
      const next: number[][] = rows.map(() => []);
      for (let b = 0; b < rows.length; b++) {
        const r = rows[b];
        if (r.done) continue;
        if (o.signal?.aborted) {
          yield finish(b, 'cancelled');
          continue;
        }
        const { token, logprob } = sampleToken(logits[b]!, [...r.prompt, ...r.tokens], sampling, r.rng);
        if (this.eos.has(token)) {
          yield finish(b, 'eos');
          continue;
        }
        r.tokens.push(token);
        r.logprobs.push(logprob);
        const full = this.tokenizer.decode(r.tokens);
        const stopAt = firstStop(full, o.stop);
        const visible = stopAt === undefined ? full : full.slice(0, stopAt);
        // Hold back a trailing replacement char: it is half of a multi-byte character.
        const settled = visible.endsWith('\uFFFD') ? r.text : visible;
        const delta = settled.slice(r.text.length);
        r.text = settled;
        yield { kind: 'token', row: b, token, logprob, delta };
        if (stopAt !== undefined) yield finish(b, 'stop');
        else if (r.tokens.length >= o.maxNewTokens || cache.lengths[b] + 1 >= cache.capacity) yield finish(b, 'length');
        else next[b] = [token];
      }
      if (next.every((t) => t.length === 0)) break;
      logits = await this.lm.append(cache, next);
    }
  }

  async generate(prompts: number[][], o: GenerateOptions): Promise<GenerationResult[]> {
    const results: GenerationResult[] = new Array(prompts.length);
    for await (const event of this.stream(prompts, o)) if (event.kind === 'done') results[event.row] = event.result;
    return results;
  }
}

function firstStop(text: string, stops: string[] | undefined): number | undefined {
  let at: number | undefined;
  for (const s of stops ?? []) {
    const i = text.indexOf(s);
    if (i >= 0 && (at === undefined || i < at)) at = i;
  }
  return at;
}
