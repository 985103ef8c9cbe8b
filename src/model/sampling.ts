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

// Scratch rows, reused: sampleToken never re-enters itself and returns nothing that points into them.
let scores = new Float64Array(0);
let keys = new Float64Array(0);

/**
 * Picks the next token: repetition penalty on `seen` (distinct token ids of the context),
 * temperature, top-k, top-p, then a draw from the seeded RNG (argmax at temperature 0).
 * Top-k/top-p sort only the tokens likely enough to be kept (see below), not the vocabulary.
 * One uniform draw per token, whatever the options. `rawLogZ`, log Σ exp of `logits` when the
 * caller has it (the step graph computes it), saves a pass of Math.exp over the vocabulary.
 * `suppress`: token ids that cannot be drawn (their probability is given to the others); the raw
 * log-prob stays the model's own.
 */
export function sampleToken(logits: Float32Array, seen: ArrayLike<number>, o: SamplingOptions, rng: Rng, rawLogZ?: number, suppress: readonly number[] = []): SampledToken {
  const V = logits.length;
  if (scores.length !== V) [scores, keys] = [new Float64Array(V), new Float64Array(V)];
  scores.set(logits);
  if (o.repetitionPenalty !== 1) {
    for (let i = 0; i < seen.length; i++) {
      const t = seen[i];
      scores[t] = scores[t] > 0 ? scores[t] / o.repetitionPenalty : scores[t] * o.repetitionPenalty;
    }
  }
  for (const t of suppress) scores[t] = -Infinity;
  // log Σ exp of the raw logits (unless given) and of the tempered scores (unless greedy), the two
  // fused in one pass; max(scores · inv) is max(scores) · inv exactly, as rounding is monotonic.
  const raw = rawLogZ === undefined;
  const tempered = o.temperature > 0;
  const inv = 1 / o.temperature;
  let rawMax = -Infinity;
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    rawMax = Math.max(rawMax, logits[i]);
    max = Math.max(max, scores[i]);
  }
  max *= inv;
  let rawSum = 0;
  let sum = 0;
  if (raw && tempered) {
    for (let i = 0; i < V; i++) {
      rawSum += Math.exp(logits[i] - rawMax);
      sum += Math.exp(scores[i] * inv - max);
    }
  } else if (raw) {
    for (let i = 0; i < V; i++) rawSum += Math.exp(logits[i] - rawMax);
  } else if (tempered) {
    for (let i = 0; i < V; i++) sum += Math.exp(scores[i] * inv - max);
  }
  const normalizer = rawLogZ ?? rawMax + Math.log(rawSum);
  const logZ = max + Math.log(sum);
  const u = rng.next();
  const picked = (token: number, logprob: number): SampledToken => ({ token, logprob, rawLogprob: logits[token] - normalizer });
  if (o.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (scores[i] > scores[best]) best = i;
    return picked(best, 0);
  }
  if (o.topK <= 0 && o.topP >= 1) {
    let target = u;
    for (let i = 0; i < V; i++) {
      target -= Math.exp(scores[i] * inv - logZ);
      if (target < 0) return picked(i, scores[i] * inv - logZ);
    }
    return picked(V - 1, scores[V - 1] * inv - logZ);
  }
  // The kept tokens are a prefix of the vocabulary ordered by score (descending, ties to the lower id):
  // the top k, then the top-p nucleus of those. Only candidates, the tokens whose tempered score reaches
  // `cutoff`, are sorted. Every other token scores below every candidate, so the candidates' order is a
  // prefix of the full order, and enough whenever it holds all the kept tokens. With top-k the cutoff is
  // the k-th largest score; with top-p alone it is a tempered probability of (1 - p) / V, so the other
  // tokens hold less than 1 - p of the mass and the nucleus fills up among the candidates (should
  // rounding say otherwise, the loop runs again over the whole vocabulary).
  const k = o.topK > 0 ? Math.min(Math.ceil(o.topK), V) : 0;
  const weight = (s: number) => Math.exp(s * inv - logZ);
  for (let cutoff = k > 0 ? kthLargest(k) * inv : logZ + Math.log((1 - o.topP) / V); ; cutoff = -Infinity) {
    let n = 0;
    for (let i = 0; i < V; i++) if (scores[i] * inv >= cutoff) keys[n++] = scores[i];
    const sorted = keys.subarray(0, n).sort().reverse();
    let kept = Math.min(k, n);
    let mass = 0;
    for (let j = 0; j < kept; j++) mass += weight(sorted[j]);
    if (o.topP < 1) {
      const goal = o.topP * (k > 0 ? mass : 1);
      const limit = k > 0 ? kept : n;
      let nucleus = 0;
      for (kept = 0; kept < limit && nucleus < goal; ) nucleus += weight(sorted[kept++]);
      if (nucleus < goal && k === 0 && cutoff > -Infinity) continue;
      mass = nucleus;
    }
    const keptLogZ = logZ + Math.log(mass);
    let j = 0;
    for (let target = u; j < kept - 1; j++) if ((target -= Math.exp(sorted[j] * inv - keptLogZ)) < 0) break;
    // `sorted` holds scores, not ids. Tokens of equal score are all candidates and are ordered by id,
    // so the pick is the (j - first)-th lowest id scoring sorted[j], where its run of equals starts at first.
    let first = j;
    while (first > 0 && sorted[first - 1] === sorted[j]) first--;
    let token = 0;
    for (let rank = j - first; scores[token] !== sorted[j] || rank-- > 0; token++);
    return picked(token, scores[token] * inv - keptLogZ);
  }
}

/** The k-th largest score (1 ≤ k ≤ V), by quickselect on a copy in `keys`: expected O(V). */
function kthLargest(k: number): number {
  keys.set(scores);
  let lo = 0;
  let hi = keys.length - 1;
  while (lo < hi) {
    const pivot = keys[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i] > pivot) i++;
      while (keys[j] < pivot) j--;
      if (i <= j) {
        const x = keys[i];
        keys[i++] = keys[j];
        keys[j--] = x;
      }
    }
    // keys[lo..j] ≥ pivot ≥ keys[i..hi], and anything between j and i equals pivot.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return pivot;
  }
  return keys[lo];
}
