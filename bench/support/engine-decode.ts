import { performance } from 'node:perf_hooks';
import { Rng } from '../../src/engine';
import { CausalLm, defaultSampling, RowLogits, sampleToken, SequenceKv } from '../../src/model';
import { bucket } from '../../src/model/kv-cache';

const greedy = { ...defaultSampling, temperature: 0 };
/** Greedy pick through the product's sampler (given the step's log-normalizer when it has one). */
export const argmax = (logits: Float32Array, logZ?: number) => sampleToken(logits, [], greedy, new Rng(0), logZ).token;
const pick = ({ logits, logZ }: RowLogits) => argmax(logits, logZ);

/**
 * The engine's own decode rate: `batch` rows prefilled with `prompt` (8 rows per call, as the
 * generator admits them), then `newTokens - 1` greedy decode steps on the bucketed KV cache
 * (model + cache + argmax, no generator, no server). The yardstick for what serving could deliver.
 */
export async function engineDecode(lm: CausalLm, prompt: number[], batch: number, newTokens: number): Promise<{ decodeTokensPerS: number }> {
  const cache = lm.newCache();
  let next: number[] = [];
  for (let first = 0; first < batch; first += 8) {
    const rows = Math.min(8, batch - first);
    cache.fit(first + bucket(rows, 1, Infinity), prompt.length);
    for (let i = 0; i < rows; i++) cache.load(first + i, new SequenceKv(lm.config), 0);
    const parts = Array.from({ length: bucket(rows, 1, Infinity) }, (_, i) => (i < rows ? prompt : []));
    const logits = await lm.forward(cache, first, parts, bucket(prompt.length, 16, 256));
    next.push(...logits.slice(0, rows).map(pick));
  }
  const t1 = performance.now();
  for (let i = 1; i < newTokens; i++) {
    cache.fit(batch, cache.lengths[0] + 1);
    const logits = await lm.forward(cache, 0, next.map((t) => [t]), 1);
    next = logits.map(pick);
  }
  return { decodeTokensPerS: (batch * (newTokens - 1) * 1000) / (performance.now() - t1) };
}
