import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, exportOnnx, init, ops as T, readSafetensors, readSafetensorsHeader, Rng, tensor } from '../../engine';
import { checkGradients } from '../../engine/testing/gradient-check';
import { buildCausalLmGraph, CausalLm, expectedParameters, loadCheckpoint, loraConfig, saveCheckpoint, savePeftAdapter, SequenceKv } from '../../model';
import { loraDeclare } from '../../model/lora/lora';
import { adapterShapes } from '../../model/lora/peft';
import { computeAdvantages } from '../advantages';
import { PolicyOptimizer } from './policy-optimizer';
import { banditEpisode, banditInitialParams, banditModel, banditOptimizerConfig, banditReplyDistribution, sampleFrom } from '../testing/bandit';

const lora = loraConfig(2, ['q_proj', 'v_proj', 'down_proj'], 4);

describe('LoRA adapters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-lora-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the LoRA path W + (α/r)·B·A has the gradients finite differences give (x, W, A, B)', async () => {
    const { maxError, analytic } = await checkGradients({
      build: (g) => {
        const weight = loraDeclare(g, lora, (name, shape) => g.input(name, shape))('model.layers.0.self_attn.q_proj.weight', [3, 4], init.zeros());
        return T.matmul(g.input('x', [2, 4]), T.transpose(weight, [1, 0]));
      },
    });
    expect(Object.keys(analytic).sort()).toEqual([
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
      'model.layers.0.self_attn.q_proj.weight',
      'x',
    ]);
    expect(maxError).toBeLessThan(1e-6);
  });

  it('training updates only the adapter (optimizer state included); merged serving equals the applied adapter; PEFT files load back', async () => {
    const base = banditInitialParams(3);
    const baseCopy = new Map([...base].map(([n, v]) => [n, Float32Array.from(v)]));
    const policy = await PolicyOptimizer.create(banditModel, base, { ...banditOptimizerConfig, lora, learningRate: 0.05 }, { intraOpThreads: 1 });
    const rng = new Rng(4);
    for (let step = 0; step < 4; step++) {
      const dist = await banditReplyDistribution(policy);
      const episodes = Array.from({ length: 8 }, () => {
        const token = sampleFrom(dist, rng);
        return banditEpisode(token, Math.log(dist[token]));
      });
      await policy.update(episodes, computeAdvantages('hian', [episodes.map((e) => ({ session: e.sessionReward, turns: e.turnRewards }))])[0], step);
    }
    // Only lora_A / lora_B are trained, and the base arrays are untouched.
    const shapes = adapterShapes(lora, expectedParameters(banditModel));
    expect([...policy.adapter.keys()].sort()).toEqual([...shapes.keys()].sort());
    for (const [name, v] of base) expect(v).toEqual(baseCopy.get(name));
    expect(policy.adapter.get('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight')!.some((x) => x !== 0)).toBe(true);
    await policy.save(join(dir, 'params.safetensors'), join(dir, 'optimizer.safetensors'));
    const state = [...(await readSafetensorsHeader(join(dir, 'optimizer.safetensors'))).entries.keys()];
    expect(state.length).toBeGreaterThan(0);
    expect(state.every((name) => name.includes('.lora_A.') || name.includes('.lora_B.'))).toBe(true);

    // Merged weights: targets changed, every other weight is the base array itself.
    const merged = policy.params;
    for (const [name, v] of base) {
      if (/\.(q_proj|v_proj|down_proj)\.weight$/.test(name)) expect(merged.get(name)).not.toEqual(v);
      else expect(merged.get(name)).toBe(v);
    }

    // Applied (training graph: base inputs + adapter parameters) vs merged (serving graph).
    const ids = [1, 2, 5, 3];
    const graph = buildCausalLmGraph(banditModel, 1, ids.length, 'float32', { lora });
    const session = await createSession(exportOnnx(graph.graph, { outputs: { logits: graph.logits } }));
    const feeds: Record<string, ReturnType<typeof tensor>> = { input_ids: tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) };
    for (const v of graph.graph.inputs) if (v.name !== 'input_ids' && base.has(v.name)) feeds[v.name] = tensor('float32', base.get(v.name)!, v.shape);
    for (const [name, p] of graph.graph.params) feeds[name] = tensor('float32', policy.adapter.get(name)!, p.value.shape);
    const applied = (await session.run(feeds)).logits.data as Float32Array;
    await session.release();
    const checkpoint = { config: banditModel, tensors: new Map([...merged].map(([name, data]) => [name, { name, shape: expectedParameters(banditModel).get(name)!, data }])) };
    const lm = new CausalLm(checkpoint, 8);
    const cache = lm.newCache();
    cache.fit(1, ids.length);
    cache.load(0, new SequenceKv(banditModel), 0);
    const [{ logits: served }] = await lm.forward(cache, 0, [ids], 4);
    await lm.release();
    const V = banditModel.vocabSize;
    const last = applied.subarray((ids.length - 1) * V, ids.length * V);
    expect(Math.max(...Array.from(served, (x, i) => Math.abs(x - last[i])))).toBeLessThan(1e-5);

    // PEFT layout: adapter_config.json + adapter_model.safetensors, names and shapes as PEFT writes them.
    const baseDir = join(dir, 'base');
    await saveCheckpoint(baseDir, { config: banditModel, tensors: new Map([...base].map(([name, data]) => [name, { name, shape: expectedParameters(banditModel).get(name)!, data }])) });
    const adapterDir = join(dir, 'adapter');
    await savePeftAdapter(adapterDir, { lora, tensors: policy.adapter, baseModel: '../base' }, shapes);
    expect(JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8'))).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 2,
      lora_alpha: 4,
      target_modules: ['q_proj', 'v_proj', 'down_proj'],
      base_model_name_or_path: '../base',
    });
    const stored = await readSafetensors(join(adapterDir, 'adapter_model.safetensors'));
    expect(stored.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')!.shape).toEqual([2, 16]);
    expect(stored.tensors.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!.shape).toEqual([16, 2]);
    expect(stored.tensors.get('base_model.model.model.layers.0.mlp.down_proj.lora_A.weight')!.shape).toEqual([2, 32]);
    expect(stored.tensors.size).toBe(6);
    // An adapter folder loads as base + adapter merged.
    const loaded = await loadCheckpoint(adapterDir);
    for (const [name, v] of merged) expect(Array.from(loaded.tensors.get(name)!.data)).toEqual(Array.from(v));
    await policy.release();
  });

  it('refuses what it cannot apply, by name', async () => {
    expect(() => loraConfig(0, ['q_proj'])).toThrow('LoRA rank 0 must be a positive integer');
    expect(() => loraConfig(4, ['qkv_proj'])).toThrow('LoRA target "qkv_proj" is not a decoder Linear (targets: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)');
    const adapterDir = join(dir, 'adapter');
    const config = JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8'));
    writeFileSync(join(adapterDir, 'adapter_config.json'), JSON.stringify({ ...config, use_dora: true }));
    await expect(loadCheckpoint(adapterDir)).rejects.toThrow('adapter_config.json: use_dora true is not supported');
  });
});
