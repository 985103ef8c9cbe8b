import { FloatDType } from '../engine';
import type { ModelConfig } from './config';
import { UnsupportedConfigError } from './config-error';

/**
 * Rotary-embedding scaling as transformers' `modeling_rope_utils.py` defines it. Every type
 * changes only the inverse frequencies (and yarn a factor on cos/sin), so serving and training
 * share the rotary tables computed here.
 */
export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  /** Equals default up to max_position_embeddings, the longest context this engine accepts. */
  | { type: 'dynamic'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | { type: 'yarn'; factor: number; originalMaxPositions: number; betaFast: number; betaSlow: number; attentionFactor: number; truncate: boolean };

export const ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3', 'yarn'] as const;

/** Reads `rope_scaling` (or transformers 5's `rope_parameters`); refuses unknown types and missing fields. */
export function parseRopeScaling(json: Record<string, unknown> | null | undefined, maxPositions: number, field: string): RopeScaling {
  if (!json) return { type: 'default' };
  const type = String(json.rope_type ?? json.type ?? 'default');
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const problem = v === undefined ? 'is missing' : `${JSON.stringify(v)} must be a number`;
      throw new UnsupportedConfigError(`config.json: ${field}.${key} ${problem} for rope_type ${JSON.stringify(type)}`);
    }
    return v;
  };
  switch (type) {
    case 'default':
      return { type };
    case 'linear':
    case 'dynamic':
      return { type, factor: num('factor') };
    case 'llama3':
      return { type, factor: num('factor'), lowFreqFactor: num('low_freq_factor'), highFreqFactor: num('high_freq_factor'), originalMaxPositions: num('original_max_position_embeddings') };
    case 'yarn': {
      const originalMaxPositions = num('original_max_position_embeddings', maxPositions);
      const factor = num('factor', maxPositions / originalMaxPositions);
      const mscale = json.mscale as number | undefined;
      const mscaleAllDim = json.mscale_all_dim as number | undefined;
      const attentionFactor = (json.attention_factor as number | undefined) ?? (mscale && mscaleAllDim ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor));
      return { type, factor, originalMaxPositions, betaFast: (json.beta_fast as number) || 32, betaSlow: (json.beta_slow as number) || 1, attentionFactor, truncate: json.truncate !== false };
    }
    default:
      throw new UnsupportedConfigError(`config.json: ${field}.rope_type ${JSON.stringify(type)} is not supported (supported: ${ROPE_TYPES.join(', ')})`);
  }
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/** Inverse frequencies (headDim / 2 of them) and the factor cos/sin are multiplied by. */
export function ropeFrequencies(c: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'rope'>): { invFreq: Float64Array; attentionFactor: number } {
  const dim = c.headDim;
  const half = dim / 2;
  const base = Float64Array.from({ length: half }, (_, j) => 1 / c.ropeTheta ** ((2 * j) / dim));
  const r = c.rope;
  switch (r.type) {
    case 'default':
    case 'dynamic':
      return { invFreq: base, attentionFactor: 1 };
    case 'linear':
      return { invFreq: base.map((f) => f / r.factor), attentionFactor: 1 };
    case 'llama3': {
      // Long wavelengths are interpolated by `factor`, short ones kept, the band between blended.
      const lowWavelen = r.originalMaxPositions / r.lowFreqFactor;
      const highWavelen = r.originalMaxPositions / r.highFreqFactor;
      const invFreq = base.map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < highWavelen) return f;
        if (wavelen > lowWavelen) return f / r.factor;
        const smooth = (r.originalMaxPositions / wavelen - r.lowFreqFactor) / (r.highFreqFactor - r.lowFreqFactor);
        return (1 - smooth) * (f / r.factor) + smooth * f;
      });
      return { invFreq, attentionFactor: 1 };
    }
    case 'yarn': {
      const correctionDim = (rotations: number) => (dim * Math.log(r.originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(c.ropeTheta));
      let low = correctionDim(r.betaFast);
      let high = correctionDim(r.betaSlow);
      if (r.truncate) [low, high] = [Math.floor(low), Math.ceil(high)];
      low = Math.max(low, 0);
      high = Math.min(high, dim - 1);
      if (low === high) high += 0.001;
      const invFreq = base.map((f, j) => {
        const extrapolation = 1 - Math.min(1, Math.max(0, (j - low) / (high - low)));
        return (f / r.factor) * (1 - extrapolation) + f * extrapolation;
      });
      return { invFreq, attentionFactor: r.attentionFactor };
    }
  }
}

/** cos and sin tables [positions.length, headDim] for the given positions. */
export function ropeTables(c: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'rope'>, positions: ArrayLike<number>, dtype: FloatDType = 'float32') {
  const { invFreq, attentionFactor } = ropeFrequencies(c);
  const hd = c.headDim;
  const half = hd / 2;
  const n = positions.length;
  const cos = dtype === 'float64' ? new Float64Array(n * hd) : new Float32Array(n * hd);
  const sin = dtype === 'float64' ? new Float64Array(n * hd) : new Float32Array(n * hd);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < half; j++) {
      const angle = positions[i] * invFreq[j];
      const cs = Math.cos(angle) * attentionFactor;
      const sn = Math.sin(angle) * attentionFactor;
      cos[i * hd + j] = cos[i * hd + j + half] = cs;
      sin[i * hd + j] = sin[i * hd + j + half] = sn;
    }
  }
  return { cos, sin };
}
