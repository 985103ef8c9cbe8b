import { Graph, init, ops as T, Value } from '../../engine';
import { UnsupportedConfigError } from '../config-error';
import { DeclareParam } from '../llama';

/**
 * LoRA (Hu et al. 2021) as PEFT defines it: a target Linear's weight W [out, in] acts as
 * W + (alpha / r)·B·A with A [r, in] and B [out, r]; only A and B are trained. B starts at zero,
 * so an untrained adapter is the base model.
 */
export interface LoraConfig {
  rank: number;
  alpha: number;
  targets: LoraTarget[];
}

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** Checks and normalizes rank, alpha and targets; a bad one is named in one line. */
export function loraConfig(rank: number, targets: string[], alpha = 2 * rank): LoraConfig {
  if (!Number.isInteger(rank) || rank < 1) throw new UnsupportedConfigError(`LoRA rank ${rank} must be a positive integer`);
  const unknown = targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (unknown.length) throw new UnsupportedConfigError(`LoRA target ${JSON.stringify(unknown[0])} is not a decoder Linear (targets: ${LORA_TARGETS.join(', ')})`);
  if (targets.length === 0) throw new UnsupportedConfigError('LoRA needs at least one target module');
  return { rank, alpha, targets: [...new Set(targets)] as LoraTarget[] };
}

export const loraScale = (c: LoraConfig) => c.alpha / c.rank;

/** The target a Hugging Face weight name belongs to, e.g. model.layers.3.self_attn.q_proj.weight → q_proj. */
export function loraTargetOf(c: LoraConfig, weightName: string): LoraTarget | undefined {
  const m = /^model\.layers\.\d+\.(?:self_attn|mlp)\.(\w+)\.weight$/.exec(weightName);
  return m && (c.targets as string[]).includes(m[1]) ? (m[1] as LoraTarget) : undefined;
}

/** PEFT's tensor names: base_model.model.<weight module>.lora_A.weight / lora_B.weight. */
export function loraNames(weightName: string): { a: string; b: string } {
  const module = weightName.replace(/\.weight$/, '');
  return { a: `base_model.model.${module}.lora_A.weight`, b: `base_model.model.${module}.lora_B.weight` };
}

/**
 * Declares a decoder for LoRA training: every base weight is a graph input (frozen, fed), and
 * each target weight is replaced by W + s·B·A with A and B trainable parameters. Merging in the
 * graph keeps the decoder code unchanged; B·A costs out·in·r per step, small beside the
 * sequence's own matmuls.
 */
export function loraDeclare(g: Graph, c: LoraConfig, declareAdapter: DeclareParam = (name, shape, initializer) => g.param(name, shape, initializer)): DeclareParam {
  return (name, shape) => {
    const base = g.input(name, shape);
    if (!loraTargetOf(c, name)) return base;
    const [out, inFeatures] = shape;
    const { a, b } = loraNames(name);
    // PEFT's default: kaiming_uniform_(a=√5) on A, i.e. U(−1/√in, 1/√in); B zero.
    const A = declareAdapter(a, [c.rank, inFeatures], init.uniform(1 / Math.sqrt(inFeatures)));
    const B = declareAdapter(b, [out, c.rank], init.zeros());
    return T.add(base, T.mul(T.matmul(B, A), loraScale(c)));
  };
}

/** W + s·B·A for every target weight (new arrays); other weights are passed through as they are. */
export function mergeLora(c: LoraConfig, base: ReadonlyMap<string, Float32Array>, adapter: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>): Map<string, Float32Array> {
  const scale = loraScale(c);
  const merged = new Map(base);
  for (const [name, w] of base) {
    if (!loraTargetOf(c, name)) continue;
    const { a, b } = loraNames(name);
    const A = adapter.get(a);
    const B = adapter.get(b);
    if (!A || !B) throw new Error(`LoRA adapter lacks ${A ? b : a}`);
    const [out, inFeatures] = shapes.get(name)!;
    const r = c.rank;
    const sum = Float32Array.from(w);
    for (let o = 0; o < out; o++) {
      for (let k = 0; k < r; k++) {
        const bk = B[o * r + k] * scale;
        if (bk === 0) continue;
        const row = o * inFeatures;
        const aRow = k * inFeatures;
        for (let i = 0; i < inFeatures; i++) sum[row + i] += bk * A[aRow + i];
      }
    }
    merged.set(name, sum);
  }
  return merged;
}
