import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { adapterShapes, expectedParameters, loadCheckpoint, LoraConfig, saveCheckpoint, savePeftAdapter } from '../../model';

/** Files of a model folder that training does not change (tokenizer, chat template, generation defaults). */
const CARRIED_OVER = /^(tokenizer\.json|tokenizer_config\.json|chat_template\.jinja|generation_config\.json|special_tokens_map\.json)$/;

/**
 * Writes a trained policy as a model folder in the layout of `models/default` (config.json,
 * model.safetensors, the initial model's tokenizer files) with a model card saying how it was made.
 * A LoRA run also writes its adapter in PEFT layout (adapter_config.json naming the initial model
 * as base, adapter_model.safetensors), so PEFT loads it over the base as well.
 */
export async function writeCandidateModel(
  initDir: string,
  params: Map<string, Float32Array>,
  outDir: string,
  card: string,
  adapter?: { lora: LoraConfig; tensors: Map<string, Float32Array> },
): Promise<void> {
  const init = await loadCheckpoint(initDir);
  const tensors = new Map([...init.tensors].map(([name, t]) => {
    const trained = params.get(name);
    if (!trained) throw new Error(`trained parameters lack ${name}`);
    return [name, { ...t, data: trained }];
  }));
  await mkdir(outDir, { recursive: true });
  await saveCheckpoint(outDir, { config: init.config, tensors });
  for (const file of await readdir(initDir)) if (CARRIED_OVER.test(file)) await copyFile(join(initDir, file), join(outDir, file));
  await writeFile(join(outDir, 'README.md'), card);
  if (adapter) await savePeftAdapter(outDir, { ...adapter, baseModel: resolve(initDir) }, adapterShapes(adapter.lora, expectedParameters(init.config)));
}
