import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Graph, NamedTensor, readSafetensors, readSafetensorsHeader, TensorEntry, writeSafetensors } from '../engine';
import { ModelConfig, parseModelConfig } from './config';
import { declareDecoderParams } from './llama';
import { mergeLora } from './lora/lora';
import { ADAPTER_WEIGHTS, adapterShapes, fileExists, isAdapterOnly, loadPeftAdapter } from './lora/peft';

export interface Checkpoint {
  config: ModelConfig;
  /** Every decoder parameter by Hugging Face name, as float32 (or float64 if stored so). */
  tensors: Map<string, NamedTensor>;
}

export const SINGLE_FILE = 'model.safetensors';
export const SHARD_INDEX = 'model.safetensors.index.json';

/** The parameter names and shapes a config implies, in declaration order. */
export function expectedParameters(config: ModelConfig): Map<string, readonly number[]> {
  const g = new Graph();
  declareDecoderParams(g, config);
  return new Map([...g.params].map(([name, p]) => [name, p.value.shape]));
}

export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => {
    throw new Error(`${dir}: no config.json (a Hugging Face model folder has config.json, model.safetensors or ${SHARD_INDEX}, tokenizer.json)`);
  });
  return parseModelConfig(JSON.parse(text));
}

/** Where each stored tensor lives: one file, or the shards `model.safetensors.index.json` maps. */
export async function weightFiles(dir: string): Promise<Map<string, string>> {
  const exists = (name: string) => fileExists(join(dir, name));
  if (await exists(SINGLE_FILE)) {
    const { entries } = await readSafetensorsHeader(join(dir, SINGLE_FILE));
    return new Map([...entries.keys()].map((name) => [name, join(dir, SINGLE_FILE)]));
  }
  if (await exists(SHARD_INDEX)) {
    const index = JSON.parse(await readFile(join(dir, SHARD_INDEX), 'utf8')) as { weight_map?: Record<string, string> };
    if (!index.weight_map) throw new Error(`${dir}/${SHARD_INDEX} has no weight_map`);
    return new Map(Object.entries(index.weight_map).map(([name, file]) => [name, join(dir, file)]));
  }
  throw new Error(`${dir}: no ${SINGLE_FILE} and no ${SHARD_INDEX}`);
}

/** Every stored tensor's header entry (type, shape), across shards, without reading data. */
export async function storedTensors(dir: string): Promise<Map<string, TensorEntry>> {
  const files = await weightFiles(dir);
  const out = new Map<string, TensorEntry>();
  for (const file of new Set(files.values())) {
    for (const [name, entry] of (await readSafetensorsHeader(file)).entries) if (files.get(name) === file) out.set(name, entry);
  }
  return out;
}

/**
 * Reads a Hugging Face-layout folder: `config.json` + `model.safetensors` or the shards of
 * `model.safetensors.index.json`, tensor by tensor. Every parameter the config implies must be
 * present with its shape; other stored tensors (a tied model's `lm_head.weight`) are not read.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  if (await isAdapterOnly(dir)) return loadAdapterCheckpoint(dir);
  const config = await readModelConfig(dir);
  const files = await weightFiles(dir);
  const expected = expectedParameters(config);
  const byFile = new Map<string, string[]>();
  for (const name of expected.keys()) {
    const file = files.get(name);
    if (!file) throw new Error(`${dir}: the checkpoint has no tensor ${name} (config.json implies it)`);
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const tensors = new Map<string, NamedTensor>();
  for (const [file, names] of byFile) {
    for (const [name, t] of (await readSafetensors(file, names)).tensors) tensors.set(name, t);
  }
  for (const [name, shape] of expected) {
    const t = tensors.get(name)!;
    if (t.shape.join() !== shape.join()) throw new Error(`${dir}: ${name} has shape [${t.shape.join(', ')}], config.json implies [${shape.join(', ')}]`);
  }
  return { config, tensors: new Map([...expected.keys()].map((name) => [name, tensors.get(name)!])) };
}

/**
 * A PEFT LoRA adapter folder (adapter_config.json naming its base model folder): the base
 * checkpoint with the adapter merged into its weights, so serving runs at the base model's speed.
 */
async function loadAdapterCheckpoint(dir: string): Promise<Checkpoint> {
  const adapter = await loadPeftAdapter(dir);
  const base = await loadCheckpoint(adapter.baseModel);
  const shapes = expectedParameters(base.config);
  for (const [name, shape] of adapterShapes(adapter.lora, shapes)) {
    const t = adapter.tensors.get(name);
    if (!t) throw new Error(`${dir}/${ADAPTER_WEIGHTS} has no tensor ${name}`);
    if (t.length !== shape[0] * shape[1]) throw new Error(`${dir}/${ADAPTER_WEIGHTS}: ${name} has ${t.length} values, the base model implies [${shape.join(', ')}]`);
  }
  const weights = new Map([...base.tensors].map(([name, t]) => [name, t.data as Float32Array]));
  const merged = mergeLora(adapter.lora, weights, adapter.tensors, shapes);
  return { config: base.config, tensors: new Map([...base.tensors].map(([name, t]) => [name, { ...t, data: merged.get(name)! }])) };
}

export interface SaveOptions {
  /** Stored type of float32 weights (Hugging Face checkpoints are usually BF16). */
  dtype?: 'F32' | 'BF16';
  /** Split into shards of about this many bytes, with `model.safetensors.index.json`. */
  maxShardBytes?: number;
}

/** Writes `config.json` and the weights so Hugging Face tools (and loadCheckpoint) read them. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint, metadata: Record<string, string> = {}, { dtype = 'F32', maxShardBytes }: SaveOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = [...expectedParameters(checkpoint.config).keys()].map((name) => {
    const t = checkpoint.tensors.get(name);
    if (!t) throw new Error(`saveCheckpoint: missing tensor ${name}`);
    return t;
  });
  await writeFile(join(dir, 'config.json'), JSON.stringify(checkpoint.config.raw, null, 2) + '\n');
  const meta = { format: 'pt', ...metadata };
  if (maxShardBytes === undefined) return writeSafetensors(join(dir, SINGLE_FILE), tensors, meta, { dtype });
  const bytesPer = dtype === 'BF16' ? 2 : 4;
  const shards: NamedTensor[][] = [[]];
  let bytes = 0;
  for (const t of tensors) {
    const b = t.data.length * bytesPer;
    if (bytes > 0 && bytes + b > maxShardBytes) {
      shards.push([]);
      bytes = 0;
    }
    shards[shards.length - 1].push(t);
    bytes += b;
  }
  const name = (i: number) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    await writeSafetensors(join(dir, name(i)), shard, meta, { dtype });
    for (const t of shard) weightMap[t.name] = name(i);
  }
  const totalSize = tensors.reduce((a, t) => a + t.data.length * bytesPer, 0);
  await writeFile(join(dir, SHARD_INDEX), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2) + '\n');
}
