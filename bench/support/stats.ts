/** One decimal: what the benchmarks print. */
export const round = (x: number) => Math.round(x * 10) / 10;

/** Nearest-rank percentile of ascending values (NaN when there are none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** p50 / p95 / p99 of unsorted values, rounded. */
export function quantiles(values: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)) };
}

/** `--name value` pairs of a command line. */
export function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  argv.forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
  return args;
}
