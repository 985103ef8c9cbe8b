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

export const SAMPLING_KEYS = ['temperature', 'topK', 'topP', 'repetitionPenalty'] as const;

export const defaultSampling: SamplingOptions = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

export interface SampledToken {
  token: number;
  /**
   * log q(token) under the distribution actually sampled from (repetition penalty, temperature,
   * top-k and top-p applied; 0 when greedy): the behaviour policy's log-prob for RL.
   */
  logprob: number;
  /** log p(token) under the model's raw logits. */
  rawLogprob: number;
}

/** log Σ exp(x) of a row, stable. */
function logSumExp(x: ArrayLike<number>, scale = 1): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i] * scale);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] * scale - max);
  return max + Math.log(sum);
}

/**
 * Picks the next token: repetition penalty on `seen` (distinct token ids of the context),
 * temperature, top-k, top-p, then a draw from the seeded RNG (argmax at temperature 0).
 * Top-k/top-p walk a max-heap of the vocabulary only as far as they keep tokens, so the
 * vocabulary is never sorted. One uniform draw per token, whatever the options.
 */
export function sampleToken(logits: Float32Array, seen: ArrayLike<number>, o: SamplingOptions, rng: Rng): SampledToken {
  const rawLogZ = logSumExp(logits);
  const scores = Float64Array.from(logits);
  if (o.repetitionPenalty !== 1) {
    for (let i = 0; i < seen.length; i++) {
      const t = seen[i];
      scores[t] = scores[t] > 0 ? scores[t] / o.repetitionPenalty : scores[t] * o.repetitionPenalty;
    }
  }
  const u = rng.next();
  const picked = (token: number, logprob: number): SampledToken => ({ token, logprob, rawLogprob: logits[token] - rawLogZ });
  if (o.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    return picked(best, 0);
  }
  const inv = 1 / o.temperature;
  const logZ = logSumExp(scores, inv);
  if (o.topK <= 0 && o.topP >= 1) {
    let target = u;
    for (let i = 0; i < scores.length; i++) {
      target -= Math.exp(scores[i] * inv - logZ);
      if (target < 0) return picked(i, scores[i] * inv - logZ);
    }
    const last = scores.length - 1;
    return picked(last, scores[last] * inv - logZ);
  }
  // The kept tokens, most likely first: the top k, then the top-p nucleus of what is left.
  const heap = new ScoreHeap(scores);
  const kept: number[] = [];
  const weight = (t: number) => Math.exp(scores[t] * inv - logZ);
  let mass = 0;
  for (let i = 0; i < Math.min(o.topK, scores.length); i++) {
    kept.push(heap.pop());
    mass += weight(kept[i]);
  }
  if (o.topP < 1) {
    const total = o.topK > 0 ? mass : 1;
    let nucleus = 0;
    let n = 0;
    if (o.topK > 0) {
      while (n < kept.length && nucleus < o.topP * total) nucleus += weight(kept[n++]);
      kept.length = n;
    } else {
      while (nucleus < o.topP && heap.length > 0) nucleus += weight(kept[kept.push(heap.pop()) - 1]);
    }
    mass = nucleus;
  }
  const keptLogZ = logZ + Math.log(mass);
  let target = u;
  for (const t of kept) {
    target -= Math.exp(scores[t] * inv - keptLogZ);
    if (target < 0) return picked(t, scores[t] * inv - keptLogZ);
  }
  const last = kept[kept.length - 1];
  return picked(last, scores[last] * inv - keptLogZ);
}

/** A max-heap of token ids by score (ties: lower id first), built in O(V). */
class ScoreHeap {
  private readonly ids: Int32Array;
  private size: number;

  constructor(private readonly scores: Float64Array) {
    this.size = scores.length;
    this.ids = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) this.ids[i] = i;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get length(): number {
    return this.size;
  }

  pop(): number {
    const top = this.ids[0];
    this.ids[0] = this.ids[--this.size];
    this.down(0);
    return top;
  }

  private above(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    return sa > sb || (sa === sb && a < b);
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.size && this.above(this.ids[l], this.ids[best])) best = l;
      if (r < this.size && this.above(this.ids[r], this.ids[best])) best = r;
      if (best === i) return;
      [this.ids[i], this.ids[best]] = [this.ids[best], this.ids[i]];
      i = best;
    }
  }
}
