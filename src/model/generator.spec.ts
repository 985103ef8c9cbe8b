import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../engine';
import { trainBpe, tokenizerJson } from './bpe-trainer';
import { CausalLm } from './causal-lm';
import { chatTokenizerConfig, SPECIAL_TOKENS } from './chat-format';
import { expectedParameters } from './checkpoint';
import { parseModelConfig } from './config';
import { Generator, GenerationEvent } from './generator';
import { ChatTokenizer } from './tokenizer';

describe('Generator (random tiny model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-gen-'));
  let generator: Generator;
  let prompt: number[];

  beforeAll(async () => {
    const specials = Object.values(SPECIAL_TOKENS);
    const bpe = trainBpe(['the growth plan costs fifty nine dollars per seat. '.repeat(30)], { vocabSize: 80, specialTokens: specials });
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(bpe, specials)));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(chatTokenizerConfig()));
    const tokenizer = await ChatTokenizer.load(dir);
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
    generator = new Generator(new CausalLm({ config, tensors }, 64), tokenizer);
    prompt = tokenizer.encode('the growth plan');
  });
  afterAll(async () => {
    await generator.lm.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reproducible for a seed, and rows of a batch use their own seeds', async () => {
    const opts = { maxNewTokens: 12, seed: 3, temperature: 1 };
    const [a] = await generator.generate([prompt], opts);
    const [b] = await generator.generate([prompt], opts);
    expect(a).toEqual(b);
    const batch = await generator.generate([prompt, prompt], opts);
    expect(batch[0]).toEqual(a); // row 0 uses seed 3, as alone
    expect(a.finishReason).toBe('length');
    expect(a.tokens).toHaveLength(12);
    expect(a.logprobs.every((lp) => lp <= 0)).toBe(true);
  });

  it('streamed deltas add up to the final text', async () => {
    let streamed = '';
    let result;
    for await (const e of generator.stream([prompt], { maxNewTokens: 15, seed: 9 })) {
      if (e.kind === 'token') streamed += e.delta;
      else result = e.result;
    }
    expect(streamed).toBe(result!.text);
  });

  it('stops before a stop sequence', async () => {
    const [free] = await generator.generate([prompt], { maxNewTokens: 20, seed: 1, temperature: 0 });
    const stop = free.text.slice(3, 5);
    const [stopped] = await generator.generate([prompt], { maxNewTokens: 20, seed: 1, temperature: 0, stop: [stop] });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('cancellation ends every row with finishReason "cancelled"', async () => {
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const e of generator.stream([prompt, prompt], { maxNewTokens: 50, seed: 2, signal: controller.signal })) {
      events.push(e);
      if (events.length === 2) controller.abort();
    }
    const done = events.filter((e) => e.kind === 'done');
    expect(done.map((e) => e.kind === 'done' && e.result.finishReason)).toEqual(['cancelled', 'cancelled']);
    expect(events.filter((e) => e.kind === 'token').length).toBeLessThan(6);
  });
});
