import { Rng } from '../engine';

export interface SamplingOptions {
  /** 0 means greedy. */
  temperature: number;
  /** Keep the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 keeps all. */
  topP: number;
  /** > 1 discourages tokens already in the context (CTRL / Hugging Face rule). */
  repetitionPenalty: number;
}

export const defaultSampling: SamplingOptions = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

export interface SampledToken {
  token: number;
  /** log p(token) under the model (raw logits, before temperature and filters), for RL. */
  logprob: number;
}

/** log-softmax of a logits row. */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from(logits, (x) => x - logZ);
}

/**
 * Picks the next token: repetition penalty on the context's tokens, temperature, top-k, top-p,
 * then a draw from the seeded RNG (or argmax at temperature 0).
 */
export function sampleToken(logits: Float32Array, context: Iterable<number>, o: SamplingOptions, rng: Rng): SampledToken {
  const raw = logSoftmax(logits);
  const scores = Float64Array.from(logits);
  if (o.repetitionPenalty !== 1) {
    for (const t of new Set(context)) scores[t] = scores[t] > 0 ? scores[t] / o.repetitionPenalty : scores[t] * o.repetitionPenalty;
  }
  if (o.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    return { token: best, logprob: raw[best] };
  }
  let order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  if (o.topK > 0) order = order.slice(0, o.topK);
  const max = scores[order[0]];
  let probs = order.map((i) => Math.exp((scores[i] - max) / o.temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (o.topP < 1) {
    let cumulative = 0;
    const keep = probs.findIndex((p) => (cumulative += p) >= o.topP) + 1;
    order = order.slice(0, Math.max(1, keep));
    probs = probs.slice(0, Math.max(1, keep));
    const kept = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / kept);
  }
  let u = rng.next();
  for (let i = 0; i < order.length; i++) {
    u -= probs[i];
    if (u < 0) return { token: order[i], logprob: raw[order[i]] };
  }
  const last = order[order.length - 1];
  return { token: last, logprob: raw[last] };
}
