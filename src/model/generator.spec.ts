import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../engine';
import { trainBpe, tokenizerJson } from './bpe-trainer';
import { CausalLm } from './causal-lm';
import { chatTokenizerConfig, SPECIAL_TOKENS } from './chat-format';
import { Checkpoint, expectedParameters } from './checkpoint';
import { parseModelConfig } from './config';
import { ConversationCaches } from './conversation-caches';
import { GenerationEvent, GenerationResult } from './generation-stream';
import { GenerationRequest, Generator, GeneratorOptions, QueueFullError } from './generator';
import { SequenceKv } from './kv-cache';
import { ChatTokenizer } from './tokenizer';

describe('Generator (random tiny model, continuous batching)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-gen-'));
  let tokenizer: ChatTokenizer;
  let checkpoint: Checkpoint;
  let prompt: number[];
  const generators: Generator[] = [];

  /** A generator over the tiny model; `eos` overrides the end-of-reply token id. */
  const generatorFor = (options: GeneratorOptions = {}, eos?: number) => {
    const config = eos === undefined ? checkpoint.config : { ...checkpoint.config, eosTokenIds: [eos] };
    const g = new Generator(new CausalLm({ ...checkpoint, config }, 64), tokenizer, options);
    generators.push(g);
    return g;
  };
  const alone = (request: GenerationRequest) => generatorFor().submit(request).result;
  /**
   * Same tokens, text and ending; log-probs equal up to float rounding (ORT sums in a different
   * order for another batch size or capacity bucket, so bit-equality is not promised).
   */
  const expectSameReply = (a: GenerationResult, b: GenerationResult) => {
    expect({ ...a, logprobs: [], rawLogprobs: [] }).toEqual({ ...b, logprobs: [], rawLogprobs: [] });
    a.logprobs.forEach((lp, i) => expect(Math.abs(lp - b.logprobs[i])).toBeLessThan(1e-4));
    a.rawLogprobs.forEach((lp, i) => expect(Math.abs(lp - b.rawLogprobs[i])).toBeLessThan(1e-4));
  };
  const nthToken = async (events: AsyncIterable<GenerationEvent>, n: number) => {
    let seen = 0;
    for await (const e of events) if (e.kind === 'token' && ++seen === n) return;
  };

  beforeAll(async () => {
    const specials = Object.values(SPECIAL_TOKENS);
    const bpe = trainBpe(['the growth plan costs fifty nine dollars per seat. '.repeat(30)], { vocabSize: 80, specialTokens: specials });
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(bpe, specials)));
    // No end-of-reply token in the tokenizer config: tests choose it through the model config.
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...chatTokenizerConfig(), eos_token: undefined }));
    tokenizer = await ChatTokenizer.load(dir);
    const config = parseModelConfig({
      vocab_size: bpe.vocab.size,
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      tie_word_embeddings: true,
    });
    const rng = new Rng(5);
    const tensors = new Map(
      [...expectedParameters(config)].map(([name, shape]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return [name, { name, shape, data: Float32Array.from({ length: n }, () => (name.includes('norm') ? 1 : rng.normal())) }];
      }),
    );
    checkpoint = { config, tensors };
    prompt = tokenizer.encode('the growth plan');
  });
  afterAll(async () => {
    await Promise.all(generators.map((g) => g.lm.release()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reproducible for a seed, and rows of a batch use their own seeds', async () => {
    const opts = { maxNewTokens: 12, seed: 3, temperature: 1 };
    const a = await alone({ ...opts, prompt });
    expect(await alone({ ...opts, prompt })).toEqual(a);
    const batch = await generatorFor().generate([prompt, prompt], opts);
    expectSameReply(batch[0], a); // row 0 uses seed 3, as alone
    expect(batch[1].tokens).not.toEqual(a.tokens);
    expect(a.finishReason).toBe('length');
    expect(a.tokens).toHaveLength(12);
    expect(a.logprobs).toHaveLength(12);
    expect(a.rawLogprobs).toHaveLength(12);
    expect(a.logprobs.every((lp, i) => lp <= 0 && a.rawLogprobs[i] <= 0)).toBe(true);
  });

  it('beginSuppressTokens: the reply does not start with them, and only its first token is constrained', async () => {
    const greedy = { prompt, seed: 1, maxNewTokens: 8, temperature: 0 };
    const free = await alone(greedy);
    const other = await alone({ ...greedy, beginSuppressTokens: [free.tokens[0]] });
    expect(other.tokens[0]).not.toBe(free.tokens[0]);
    // After the first token nothing is constrained: the rest is the greedy continuation of that start.
    expect((await alone({ ...greedy, prompt: [...prompt, other.tokens[0]], maxNewTokens: 7 })).tokens).toEqual(other.tokens.slice(1));
    const sampled = { prompt, maxNewTokens: 4, temperature: 1 };
    for (let seed = 0; seed < 8; seed++) {
      const { tokens } = await alone({ ...sampled, seed, beginSuppressTokens: [free.tokens[0], other.tokens[0]] });
      expect([free.tokens[0], other.tokens[0]]).not.toContain(tokens[0]);
    }
  });

  it('a row joining a running batch mid-way gets the same tokens as alone with its seed', async () => {
    const first = { prompt, seed: 1, maxNewTokens: 30 };
    const second = { prompt: tokenizer.encode('fifty nine dollars per seat'), seed: 2, maxNewTokens: 20 };
    const g = generatorFor({ maxBatch: 4 });
    const running = g.submit(first);
    await nthToken(running, 7);
    expect(g.active).toBe(1);
    const joined = g.submit(second);
    const [a, b] = await Promise.all([running.result, joined.result]);
    expectSameReply(a, await alone(first));
    expectSameReply(b, await alone(second));
  });

  it('cancel ends the row and frees it for a waiting request', async () => {
    const g = generatorFor({ maxBatch: 1 });
    const controller = new AbortController();
    const cancelled = g.submit({ prompt, seed: 4, maxNewTokens: 50, signal: controller.signal });
    const waiting = g.submit({ prompt, seed: 5, maxNewTokens: 10 });
    await nthToken(cancelled, 2);
    expect(g.queued).toBe(1);
    controller.abort();
    const result = await cancelled.result;
    expect(result.finishReason).toBe('cancelled');
    expect(result.tokens.length).toBeLessThan(5);
    expectSameReply(await waiting.result, await alone({ prompt, seed: 5, maxNewTokens: 10 }));
    expect(g.active).toBe(0);
  });

  it('after precompile, traffic of every prompt length and batch size compiles no step shape', async () => {
    const g = new Generator(new CausalLm(checkpoint, 200), tokenizer, { maxBatch: 5 });
    generators.push(g);
    const warmup = await g.precompile();
    // Capacities 64, 96, 128, 192, 200; decode rows 1, 2, 4, 5; prefill rows 1, 2, 4, 8; chunks 16..256 within each capacity.
    expect(warmup.shapes).toBe(g.servingShapes().length);
    expect(g.lm.compiledShapes).toBe(warmup.shapes);
    const rng = new Rng(9);
    const text = 'the growth plan costs fifty nine dollars per seat. ';
    for (let wave = 0; wave < 6; wave++) {
      const rows = 1 + rng.int(7);
      const prompts = Array.from({ length: rows }, () => tokenizer.encode(text.repeat(1 + rng.int(12))).slice(0, 1 + rng.int(190)));
      await Promise.all(prompts.map((p, i) => g.submit({ prompt: p, seed: wave * 10 + i, maxNewTokens: Math.min(199 - p.length, 4 + rng.int(40)), temperature: 1 }).result));
    }
    expect(g.lm.compiledShapes).toBe(warmup.shapes);
  });

  it('refuses beyond maxQueue waiting requests (the busy path)', () => {
    const g = generatorFor({ maxBatch: 1, maxQueue: 2 });
    const streams = [1, 2, 3].map((seed) => g.submit({ prompt, seed, maxNewTokens: 4 })); // one row, two waiting
    expect(() => g.submit({ prompt, seed: 9, maxNewTokens: 4 })).toThrow(QueueFullError);
    return Promise.all(streams.map((s) => s.result));
  });

  it('streamed deltas add up to the final text', async () => {
    let streamed = '';
    let result: GenerationResult | undefined;
    for await (const e of generatorFor().submit({ prompt, maxNewTokens: 15, seed: 9 })) {
      if (e.kind === 'token') streamed += e.delta;
      else result = e.result;
    }
    expect(streamed).toBe(result!.text);
  });

  it('stops before a stop sequence', async () => {
    const free = await alone({ prompt, maxNewTokens: 20, seed: 1 });
    const stop = free.text.slice(3, 5);
    const stopped = await generatorFor().submit({ prompt, maxNewTokens: 20, seed: 1, stop: [stop] }).result;
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('records the end-of-reply token with its log-probs', async () => {
    const free = await alone({ prompt, maxNewTokens: 20, seed: 6 });
    const k = free.tokens.findIndex((t, i) => i > 0 && !free.tokens.slice(0, i).includes(t));
    const ended = await generatorFor({}, free.tokens[k]).submit({ prompt, maxNewTokens: 20, seed: 6 }).result;
    expect(ended.finishReason).toBe('eos');
    expect(ended.tokens).toEqual(free.tokens.slice(0, k + 1));
    expect(ended.logprobs).toEqual(free.logprobs.slice(0, k + 1));
    expect(ended.rawLogprobs).toEqual(free.rawLogprobs.slice(0, k + 1));
    expect(tokenizer.decode(free.tokens.slice(0, k)).startsWith(ended.text)).toBe(true);
  });

  describe('conversation caches between turns', () => {
    const visitor = () => tokenizer.encode(' per seat');
    /** Turn 1, then turn 2 whose prompt is turn 1's prompt + reply + a new message. */
    const twoTurns = async (g: Generator, cacheFor: (prompt: number[]) => SequenceKv | undefined) => {
      const one = await g.submit({ prompt, seed: 1, maxNewTokens: 8, cache: cacheFor(prompt) }).result;
      const next = [...prompt, ...one.tokens, ...visitor()];
      const two = await g.submit({ prompt: next, seed: 2, maxNewTokens: 8, cache: cacheFor(next) }).result;
      return { one, two };
    };

    it('the second turn prefills only the new tokens and replies as without a cache', async () => {
      const g = generatorFor();
      const conversation = new SequenceKv(checkpoint.config);
      const cached = await twoTurns(g, () => conversation);
      const uncached = await twoTurns(g, () => undefined);
      expect(cached.two.reusedTokens).toBe(prompt.length + cached.one.tokens.length - 1);
      expect(uncached.two.reusedTokens).toBe(0);
      expect(cached.two.tokens).toEqual(uncached.two.tokens);
      expect(conversation.tokens).toEqual([...prompt, ...cached.one.tokens, ...visitor(), ...cached.two.tokens].slice(0, -1));
    });

    it('an evicted conversation is rebuilt transparently: same reply as without eviction', async () => {
      const g = generatorFor();
      const kept = new ConversationCaches(checkpoint.config, Infinity);
      const tight = new ConversationCaches(checkpoint.config, 0);
      const withCache = await twoTurns(g, (p) => kept.get('session', p));
      let turn = 0;
      const evicted = await twoTurns(g, (p) => {
        if (turn++ === 1) {
          tight.evict();
          expect(tight.has('session')).toBe(false);
        }
        return tight.get('session', p);
      });
      expect(withCache.two.reusedTokens).toBeGreaterThan(0);
      expect(evicted.two.reusedTokens).toBe(0);
      expect(evicted.two.tokens).toEqual(withCache.two.tokens);
    });

    it("a new conversation starts from the prefix it shares with the last one used (the system prompt)", async () => {
      const g = generatorFor();
      const caches = new ConversationCaches(checkpoint.config, Infinity);
      await g.submit({ prompt, seed: 1, maxNewTokens: 8, cache: caches.get('first', prompt) }).result;
      const other = [...prompt.slice(0, 3), ...tokenizer.encode(' fifty nine')];
      const seeded = await g.submit({ prompt: other, seed: 3, maxNewTokens: 8, cache: caches.get('second', other) }).result;
      let shared = 0;
      while (prompt[shared] === other[shared]) shared++;
      expect(shared).toBeGreaterThanOrEqual(3);
      expect(seeded.reusedTokens).toBe(shared);
      expect(seeded.tokens).toEqual((await alone({ prompt: other, seed: 3, maxNewTokens: 8 })).tokens);
    });

    it('a deleted conversation (an erased session) is gone, and no new conversation starts from what it held', async () => {
      const g = generatorFor();
      const caches = new ConversationCaches(checkpoint.config, Infinity);
      await g.submit({ prompt, seed: 1, maxNewTokens: 8, cache: caches.get('erased', prompt) }).result;
      caches.delete('erased');
      expect(caches.has('erased')).toBe(false);
      const next = await g.submit({ prompt, seed: 1, maxNewTokens: 8, cache: caches.get('next', prompt) }).result;
      expect(next.reusedTokens).toBe(0);
    });
  });
});
