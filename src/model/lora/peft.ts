import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../engine';
import { UnsupportedConfigError } from '../config-error';
import { LoraConfig, loraConfig, loraNames, loraTargetOf } from './lora';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

export interface PeftAdapter {
  lora: LoraConfig;
  /** lora_A / lora_B tensors by PEFT name. */
  tensors: Map<string, Float32Array>;
  /** The base model folder, resolved against the adapter's folder when relative. */
  baseModel: string;
}

/** Writes adapter_config.json and adapter_model.safetensors as PEFT saves a LoRA adapter. */
export async function savePeftAdapter(dir: string, adapter: PeftAdapter, shapes: ReadonlyMap<string, readonly number[]>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: adapter.baseModel,
    r: adapter.lora.rank,
    lora_alpha: adapter.lora.alpha,
    lora_dropout: 0,
    target_modules: adapter.lora.targets,
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
  };
  await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
  const tensors = [...adapter.tensors].map(([name, data]) => {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`savePeftAdapter: no shape for ${name}`);
    return { name, shape, data };
  });
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' });
}

export const fileExists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

export const hasPeftAdapter = (dir: string): Promise<boolean> => fileExists(join(dir, ADAPTER_CONFIG));

/** A folder holding only an adapter (no config.json of its own): it loads as its base with the adapter merged. */
export const isAdapterOnly = async (dir: string): Promise<boolean> => !(await fileExists(join(dir, 'config.json'))) && (await hasPeftAdapter(dir));

/**
 * Where a folder's tokenizer and generation settings live: the folder itself, or for an adapter
 * folder saved without them (PEFT's usual save), its base model's folder.
 */
export async function tokenizerDir(dir: string): Promise<string> {
  if (!(await hasPeftAdapter(dir)) || (await fileExists(join(dir, 'tokenizer.json')))) return dir;
  const c = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8')) as { base_model_name_or_path?: unknown };
  return typeof c.base_model_name_or_path === 'string' ? resolve(dir, c.base_model_name_or_path) : dir;
}

/** Reads a PEFT LoRA adapter; PEFT options that change the computation are refused by name. */
export async function loadPeftAdapter(dir: string): Promise<PeftAdapter> {
  const c = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  const refuse = (field: string) => {
    throw new UnsupportedConfigError(`${ADAPTER_CONFIG}: ${field} ${JSON.stringify(c[field])} is not supported`);
  };
  if (c.peft_type !== 'LORA') refuse('peft_type');
  for (const field of ['use_rslora', 'use_dora', 'fan_in_fan_out']) if (c[field]) refuse(field);
  if (c.bias !== undefined && c.bias !== 'none') refuse('bias');
  for (const field of ['layers_to_transform', 'modules_to_save']) if (c[field] !== undefined && c[field] !== null) refuse(field);
  for (const field of ['rank_pattern', 'alpha_pattern']) if (c[field] && Object.keys(c[field] as object).length) refuse(field);
  if (!Array.isArray(c.target_modules)) refuse('target_modules');
  if (typeof c.base_model_name_or_path !== 'string') refuse('base_model_name_or_path');
  const lora = loraConfig(Number(c.r), c.target_modules as string[], Number(c.lora_alpha ?? c.r));
  const file = await readSafetensors(join(dir, ADAPTER_WEIGHTS));
  const tensors = new Map([...file.tensors].map(([name, t]) => [name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)]));
  return { lora, tensors, baseModel: resolve(dir, c.base_model_name_or_path as string) };
}

/** The adapter's tensor shapes for a base model's weights: A [r, in], B [out, r] per target. */
export function adapterShapes(lora: LoraConfig, weightShapes: ReadonlyMap<string, readonly number[]>): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [name, [out, inFeatures]] of weightShapes) {
    if (!loraTargetOf(lora, name)) continue;
    const { a, b } = loraNames(name);
    shapes.set(a, [lora.rank, inFeatures]);
    shapes.set(b, [out, lora.rank]);
  }
  return shapes;
}
