import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, exportOnnx, Rng, tensor } from '../engine';
import { CausalLm } from './causal-lm';
import { capacityBucket, capacityBucketValues, SequenceKv, SlotKvCache } from './kv-cache';
import { Checkpoint, expectedParameters, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { parseModelConfig } from './config';
import { buildCausalLmGraph } from './llama';

const config = parseModelConfig({
  model_type: 'llama',
  vocab_size: 13,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  tie_word_embeddings: true,
  eos_token_id: 2,
});

function randomCheckpoint(seed: number): Checkpoint {
  const rng = new Rng(seed);
  const tensors = new Map(
    [...expectedParameters(config)].map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, () => (name.includes('norm') ? 1 + 0.1 * rng.normal() : 0.3 * rng.normal()));
      return [name, { name, shape, data }];
    }),
  );
  return { config, tensors };
}

/** Logits at every position from one full forward pass (no cache). */
async function fullLogits(checkpoint: Checkpoint, ids: number[]): Promise<Float32Array[]> {
  const lm = buildCausalLmGraph(config, 1, ids.length);
  const baked = new Map([...checkpoint.tensors].map(([n, t]) => [n, t.data]));
  const session = await createSession(exportOnnx(lm.graph, { outputs: { logits: lm.logits }, bakedParams: baked }));
  const out = (await session.run({ input_ids: tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) })).logits.data as Float32Array;
  await session.release();
  return ids.map((_, i) => out.slice(i * config.vocabSize, (i + 1) * config.vocabSize));
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
const logSumExp = (x: Float32Array) => {
  const max = Math.max(...x);
  return max + Math.log(x.reduce((sum, v) => sum + Math.exp(v - max), 0));
};

describe('KV-cache serving graphs', () => {
  const checkpoint = randomCheckpoint(8);
  const ids = Array.from({ length: 21 }, (_, i) => (i * 7 + 3) % config.vocabSize);
  let expected: Float32Array[];
  beforeAll(async () => (expected = await fullLogits(checkpoint, ids)));

  /** A slot cache with small buckets (4, 8, 16, 32), so a short sequence crosses several. */
  const smallBuckets = () => new SlotKvCache(config, 32, 4);

  it('capacity buckets are powers of two and the halfway points, capped at the context; every one is listed', () => {
    expect([1, 64, 65, 96, 97, 129, 193, 257, 385, 600].map((n) => capacityBucket(n, 64, 512))).toEqual([64, 64, 96, 96, 128, 192, 256, 384, 512, 512]);
    expect(capacityBucketValues(64, 512)).toEqual([64, 96, 128, 192, 256, 384, 512]);
    expect(capacityBucketValues(64, 200)).toEqual([64, 96, 128, 192, 200]);
    expect(capacityBucketValues(64, 40)).toEqual([40]);
    expect(capacityBucketValues(5, 40)).toEqual([5, 8, 10, 15, 20, 30, 40]);
  });

  it('prefill then decode steps match a full re-run, across capacity-bucket changes', async () => {
    const lm = new CausalLm(checkpoint, 32);
    const cache = smallBuckets();
    cache.fit(1, 3);
    cache.load(0, new SequenceKv(config), 0);
    const [afterPrompt] = await lm.forward(cache, 0, [ids.slice(0, 3)], 4);
    expect(maxAbsDiff(afterPrompt.logits, expected[2])).toBeLessThan(1e-4);
    expect(Math.abs(afterPrompt.logZ - logSumExp(afterPrompt.logits))).toBeLessThan(1e-5);
    const buckets = new Set<number>();
    for (let t = 3; t < ids.length; t++) {
      cache.fit(1, t + 1);
      buckets.add(cache.capacity);
      const [{ logits, logZ }] = await lm.forward(cache, 0, [[ids[t]]], 1);
      expect(maxAbsDiff(logits, expected[t])).toBeLessThan(1e-4);
      expect(Math.abs(logZ - logSumExp(logits))).toBeLessThan(1e-5);
    }
    expect([...buckets]).toEqual([4, 6, 8, 12, 16, 24]);
    expect(cache.lengths).toEqual([ids.length]);
    await lm.release();
  });

  it('rows of different lengths and a padding row in one step match their own full runs', async () => {
    const rows = [[4, 4, 8], [11, 2, 6, 1, 10], [3]];
    const lm = new CausalLm(checkpoint, 32);
    const cache = smallBuckets();
    cache.fit(4, 5);
    rows.forEach((_, slot) => cache.load(slot, new SequenceKv(config), 0));
    const prefill = await lm.forward(cache, 0, [...rows, []], 8);
    cache.fit(4, 6);
    const next = await lm.forward(cache, 0, [[7], [9], [5], []], 1);
    for (const [b, row] of rows.entries()) {
      const full = await fullLogits(checkpoint, [...row, [7, 9, 5][b]]);
      expect(maxAbsDiff(prefill[b].logits, full[row.length - 1])).toBeLessThan(1e-4);
      expect(maxAbsDiff(next[b].logits, full[row.length])).toBeLessThan(1e-4);
      expect(Math.abs(next[b].logZ - logSumExp(next[b].logits))).toBeLessThan(1e-5);
    }
    expect(cache.lengths).toEqual([4, 6, 2]);
    await lm.release();
  });

  it("a conversation's cache reused in another slot and bucket (next turn) continues exactly", async () => {
    const lm = new CausalLm(checkpoint, 32);
    const first = smallBuckets();
    first.fit(1, 9);
    first.load(0, new SequenceKv(config), 0);
    await lm.forward(first, 0, [ids.slice(0, 9)], 16);
    const conversation = new SequenceKv(config);
    first.store(0, conversation, 0);
    conversation.tokens.push(...ids.slice(0, 9));

    const second = smallBuckets();
    second.fit(3, 14);
    for (const slot of [0, 1]) second.load(slot, new SequenceKv(config), 0);
    const prompt = ids.slice(0, 14);
    const reused = conversation.commonPrefix(prompt);
    expect(reused).toBe(9);
    second.load(2, conversation, reused);
    const [{ logits }] = await lm.forward(second, 2, [prompt.slice(reused)], 8);
    expect(maxAbsDiff(logits, expected[13])).toBeLessThan(1e-4);
    // moved to slot 0 (a row before it left), it keeps decoding exactly
    second.move(2, 0);
    second.fit(1, 15);
    const [{ logits: moved }] = await lm.forward(second, 0, [[ids[14]]], 1);
    expect(maxAbsDiff(moved, expected[14])).toBeLessThan(1e-4);
    await lm.release();
  });

  it.each(['fed', 'baked', 'decode-baked'] as const)('setWeights (%s weights): logits equal a model built with the new weights', async (weights) => {
    const other = randomCheckpoint(9);
    const lm = new CausalLm(checkpoint, 16, { weights });
    const run = async (model: CausalLm) => {
      const cache = model.newCache();
      cache.fit(1, 4);
      cache.load(0, new SequenceKv(config), 0);
      return (await model.forward(cache, 0, [[1, 5, 9, 3]], 4))[0].logits.slice();
    };
    const before = await run(lm);
    lm.setWeights(new Map([...other.tensors].map(([n, t]) => [n, t.data as Float32Array])));
    const fresh = new CausalLm(other, 16, { weights });
    expect(maxAbsDiff(await run(lm), await run(fresh))).toBe(0);
    expect(maxAbsDiff(await run(lm), before)).toBeGreaterThan(1e-3);
    expect(() => lm.setWeights(new Map())).toThrow('weights: model.embed_tokens.weight is missing');
    await Promise.all([lm.release(), fresh.release()]);
  });

  it("weights baked into the decode steps and one row's small prefills only: logits equal those of fed weights", async () => {
    const run = async (model: CausalLm) => {
      const cache = model.newCache();
      // One row's small prefill (baked), a decode step (baked), then 7 rows × 16 tokens (fed).
      cache.fit(8, 16);
      cache.load(0, new SequenceKv(config), 0);
      const [prefill] = await model.forward(cache, 0, [[1, 5, 9, 3]], 4);
      const prefilled = prefill.logits.slice();
      const [decoded] = await model.forward(cache, 0, [[7]], 1);
      const decodedRow = decoded.logits.slice();
      const large = await model.forward(cache, 1, Array.from({ length: 7 }, (_, r) => Array.from({ length: 16 - r }, (_, i) => (r + i) % config.vocabSize)), 16);
      return [prefilled, decodedRow, ...large.map((l) => l.logits.slice())];
    };
    const [mixed, fed] = [new CausalLm(checkpoint, 16, { weights: 'decode-baked' }), new CausalLm(checkpoint, 16, { weights: 'fed' })];
    const [a, b] = [await run(mixed), await run(fed)];
    expect(a).toHaveLength(9);
    a.forEach((logits, i) => expect(maxAbsDiff(logits, b[i])).toBeLessThan(1e-5));
    await Promise.all([mixed.release(), fed.release()]);
  });

  it('refuses to grow past the context', () => {
    const cache = new SlotKvCache(config, 16);
    expect(() => cache.fit(1, 17)).toThrow('17 positions exceed the context of 16 tokens');
  });
});

describe('Hugging Face checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trip through config.json + model.safetensors with HF names', async () => {
    const original = randomCheckpoint(3);
    await saveCheckpoint(dir, original);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'llama', hidden_size: 16, num_key_value_heads: 2, tie_word_embeddings: true });
    const loaded = await loadCheckpoint(dir);
    expect([...loaded.tensors.keys()]).toEqual([...original.tensors.keys()]);
    expect(loaded.tensors.has('lm_head.weight')).toBe(false); // tied
    for (const [name, t] of original.tensors) expect(Array.from(loaded.tensors.get(name)!.data)).toEqual(Array.from(t.data));
  });

  it('a checkpoint whose tensors do not fit config.json is refused with the name and shapes', async () => {
    const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...raw, intermediate_size: 32 }));
    await expect(loadCheckpoint(dir)).rejects.toThrow('model.layers.0.mlp.gate_proj.weight has shape [24, 16], config.json implies [32, 16]');
  });

  it('config errors name the field', () => {
    expect(() => parseModelConfig({ ...config.raw, num_attention_heads: 3 })).toThrow('hidden_size 16 is not divisible by num_attention_heads 3');
    expect(() => parseModelConfig({ ...config.raw, vocab_size: -1 })).toThrow(/vocab_size/);
  });
});
