import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { adapterShapes, expectedParameters, isAdapterOnly, loadCheckpoint, LoraConfig, ModelConfig, readModelConfig, saveCheckpoint, savePeftAdapter, tokenizerDir } from '../../model';

/** Files of a model folder that training does not change (tokenizer, chat template, generation defaults). */
const CARRIED_OVER = /^(tokenizer\.json|tokenizer_config\.json|chat_template\.jinja|generation_config\.json|special_tokens_map\.json)$/;

/** A trained LoRA adapter: its settings and lora_A / lora_B tensors by PEFT name. */
export interface TrainedAdapter {
  lora: LoraConfig;
  tensors: Map<string, Float32Array>;
}

/**
 * Writes a trained policy as a model folder in the layout of `models/default` (config.json,
 * model.safetensors, the initial model's tokenizer files) with a model card saying how it was made.
 * A LoRA run also writes its adapter in PEFT layout (adapter_config.json naming the initial model
 * as base, adapter_model.safetensors), so PEFT loads it over the base as well.
 */
export async function writeCandidateModel(initDir: string, params: Map<string, Float32Array>, outDir: string, card: string, adapter?: TrainedAdapter): Promise<void> {
  const init = await loadCheckpoint(initDir);
  const tensors = new Map([...init.tensors].map(([name, t]) => {
    const trained = params.get(name);
    if (!trained) throw new Error(`trained parameters lack ${name}`);
    return [name, { ...t, data: trained }];
  }));
  await mkdir(outDir, { recursive: true });
  await saveCheckpoint(outDir, { config: init.config, tensors });
  // An adapter-only initial folder keeps its tokenizer files in its base folder.
  const filesDir = await tokenizerDir(initDir);
  for (const file of await readdir(filesDir)) if (CARRIED_OVER.test(file)) await copyFile(join(filesDir, file), join(outDir, file));
  await writeFile(join(outDir, 'README.md'), card);
  if (adapter) await saveAdapterOver(initDir, init.config, adapter, outDir);
}

/**
 * Writes only the adapter (adapter_config.json naming the base folder, adapter_model.safetensors)
 * and the model card: the folder loads as base + adapter and takes the base's tokenizer files, so
 * a version stored this way costs the adapter's bytes, not another copy of the base weights.
 * The base must hold full weights: adapters over adapters would tie every version to its whole ancestry.
 */
export async function writeAdapterModel(baseDir: string, adapter: TrainedAdapter, outDir: string, card: string): Promise<void> {
  if (await isAdapterOnly(baseDir)) throw new Error(`${baseDir} is itself an adapter: an adapter version is written over full weights only`);
  await saveAdapterOver(baseDir, await readModelConfig(baseDir), adapter, outDir);
  await writeFile(join(outDir, 'README.md'), card);
}

const saveAdapterOver = (baseDir: string, config: ModelConfig, adapter: TrainedAdapter, outDir: string) =>
  savePeftAdapter(outDir, { ...adapter, baseModel: resolve(baseDir) }, adapterShapes(adapter.lora, expectedParameters(config)));
