/**
 * Mean and unbiased (n − 1) standard deviation, as torch.std computes them in TRL's and verl's
 * GRPO. A single value has no spread: its standardized value is 0 (no baseline, no signal), the
 * reason TRL requires at least two generations per prompt.
 */
export function standardize(values: readonly number[], epsilon: number): number[] {
  if (values.length < 2) return values.map(() => 0);
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  const scale = Math.sqrt(variance) + epsilon;
  return values.map((v) => (v - mean) / scale);
}

/** Standardizes values that live in a ragged structure, over all of them at once, keeping the shape. */
export function standardizeRagged(rows: readonly (readonly number[])[], epsilon: number): number[][] {
  const flat = standardize(rows.flat(), epsilon);
  let at = 0;
  return rows.map((row) => row.map(() => flat[at++]));
}

/**
 * Standardizes each position t across the rows that have one (per-turn-index baselines). A position
 * only one row reaches gets 0.
 */
export function standardizeByPosition(rows: readonly (readonly number[])[], epsilon: number): number[][] {
  const out = rows.map((row) => row.map(() => 0));
  const longest = Math.max(0, ...rows.map((r) => r.length));
  for (let t = 0; t < longest; t++) {
    const holders = rows.map((r, i) => i).filter((i) => rows[i].length > t);
    const z = standardize(holders.map((i) => rows[i][t]), epsilon);
    holders.forEach((i, k) => (out[i][t] = z[k]));
  }
  return out;
}
