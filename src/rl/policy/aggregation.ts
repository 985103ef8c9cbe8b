/** How per-token losses of one optimizer step are averaged (the choices TRL's loss_type names). */
export const lossAggregations = ['token-mean', 'sequence-mean', 'dr-grpo'] as const;
export type LossAggregation = (typeof lossAggregations)[number];

/**
 * Per-token weights for the sequences of one optimizer step, so that Σ weight·ℓ over all of them is
 * the chosen average: token-mean (every agent token of the step counts once), sequence-mean (each
 * sequence's mean, then the mean over sequences) or Dr. GRPO's constant (sum over tokens / (N · L)
 * with L the fixed sequence length, so long sessions are not favoured).
 * The step's sequences run as `microBatches` accumulated micro-batches whose gradients the engine
 * averages, so every weight is multiplied by that count to undo the averaging.
 */
export function aggregationWeights(masks: readonly Float32Array[], aggregation: LossAggregation, microBatches: number): Float32Array[] {
  const counts = masks.map((m) => m.reduce((a, v) => a + v, 0));
  const sequences = masks.length;
  const total = counts.reduce((a, v) => a + v, 0);
  return masks.map((mask, b) => {
    const scale =
      aggregation === 'token-mean'
        ? 1 / Math.max(1, total)
        : aggregation === 'sequence-mean'
          ? 1 / (sequences * Math.max(1, counts[b]))
          : 1 / (sequences * mask.length);
    return mask.map((v) => v * scale * microBatches);
  });
}
