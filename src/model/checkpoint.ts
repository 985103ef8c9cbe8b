import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Graph, NamedTensor, readSafetensors, writeSafetensors } from '../engine';
import { ModelConfig, parseModelConfig } from './config';
import { declareDecoderParams } from './llama';

export interface Checkpoint {
  config: ModelConfig;
  /** Every decoder parameter by Hugging Face name, as float32 (or float64 if stored so). */
  tensors: Map<string, NamedTensor>;
}

/** The parameter names and shapes a config implies, in declaration order. */
export function expectedParameters(config: ModelConfig): Map<string, readonly number[]> {
  const g = new Graph();
  declareDecoderParams(g, config);
  return new Map([...g.params].map(([name, p]) => [name, p.value.shape]));
}

/**
 * Reads a Hugging Face-layout folder: `config.json` + `model.safetensors`. Every parameter the
 * config implies must be present with its shape; an extra `lm_head.weight` on a tied model is ignored.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const config = parseModelConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
  const file = await readSafetensors(join(dir, 'model.safetensors'));
  const tensors = new Map<string, NamedTensor>();
  for (const [name, shape] of expectedParameters(config)) {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`${dir}: model.safetensors has no tensor ${name}`);
    if (t.shape.join() !== shape.join()) throw new Error(`${dir}: ${name} has shape [${t.shape.join(', ')}], config.json implies [${shape.join(', ')}]`);
    tensors.set(name, t);
  }
  return { config, tensors };
}

/** Writes `config.json` and `model.safetensors` so Hugging Face tools (and loadCheckpoint) read them. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint, metadata: Record<string, string> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const expected = expectedParameters(checkpoint.config);
  const tensors = [...expected.keys()].map((name) => {
    const t = checkpoint.tensors.get(name);
    if (!t) throw new Error(`saveCheckpoint: missing tensor ${name}`);
    return t;
  });
  await writeFile(join(dir, 'config.json'), JSON.stringify(checkpoint.config.raw, null, 2) + '\n');
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt', ...metadata });
}
