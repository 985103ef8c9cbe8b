import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, exportOnnx, Rng, tensor } from '../engine';
import { CausalLm } from './causal-lm';
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

describe('KV-cache serving graphs', () => {
  const checkpoint = randomCheckpoint(8);

  it('prefill then one-token decode steps give the same logits as full re-runs', async () => {
    const ids = [1, 5, 9, 3, 12, 0, 7];
    const expected = await fullLogits(checkpoint, ids);
    const lm = new CausalLm(checkpoint, 16);
    const cache = lm.newCache(1);
    const [afterPrompt] = await lm.append(cache, [ids.slice(0, 3)]);
    expect(maxAbsDiff(afterPrompt!, expected[2])).toBeLessThan(1e-4);
    for (let t = 3; t < ids.length; t++) {
      const [logits] = await lm.append(cache, [[ids[t]]]);
      expect(maxAbsDiff(logits!, expected[t])).toBeLessThan(1e-4);
    }
    expect(cache.lengths).toEqual([ids.length]);
    await lm.release();
  });

  it('rows of a batch with different prompt lengths match their own full runs', async () => {
    const rows = [
      [4, 4, 8],
      [11, 2, 6, 1, 10],
    ];
    const lm = new CausalLm(checkpoint, 16);
    const cache = lm.newCache(2);
    const prefill = await lm.append(cache, rows);
    const next = await lm.append(cache, [[7], []]);
    const expected0 = await fullLogits(checkpoint, [...rows[0], 7]);
    const expected1 = await fullLogits(checkpoint, rows[1]);
    expect(maxAbsDiff(prefill[0]!, expected0[2])).toBeLessThan(1e-4);
    expect(maxAbsDiff(prefill[1]!, expected1[4])).toBeLessThan(1e-4);
    expect(maxAbsDiff(next[0]!, expected0[3])).toBeLessThan(1e-4);
    expect(next[1]).toBeUndefined();
    expect(cache.lengths).toEqual([4, 5]);
    await lm.release();
  });

  it('refuses to overflow the cache', async () => {
    const lm = new CausalLm(checkpoint, 4);
    await expect(lm.append(lm.newCache(1), [[1, 2, 3, 4, 5]])).rejects.toThrow('exceed the cache capacity 4');
    await lm.release();
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
