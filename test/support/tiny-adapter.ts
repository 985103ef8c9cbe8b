import { adapterShapes, expectedParameters, loadCheckpoint, loraConfig, mergeLora } from '../../src/model';
import { Rng } from '../../src/engine';
import { TrainedAdapter } from '../../src/rl/trainer/candidate-model';

/**
 * A small random LoRA adapter over a model folder (B non-zero, so it changes what the model says)
 * and the base's weights with it merged: the two ways of storing the same trained policy.
 */
export async function tinyAdapter(baseDir: string, seed = 3): Promise<{ adapter: TrainedAdapter; merged: Map<string, Float32Array> }> {
  const base = await loadCheckpoint(baseDir);
  const lora = loraConfig(4, ['q_proj', 'v_proj']);
  const shapes = expectedParameters(base.config);
  const rng = new Rng(seed);
  const tensors = new Map([...adapterShapes(lora, shapes)].map(([name, [rows, cols]]) => [name, Float32Array.from({ length: rows * cols }, () => 0.3 * rng.normal())]));
  const weights = new Map([...base.tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
  return { adapter: { lora, tensors }, merged: mergeLora(lora, weights, tensors, shapes) };
}
