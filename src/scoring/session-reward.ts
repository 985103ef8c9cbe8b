/** A session's outcome as recorded: from conversion events (live) or the simulator (offline). */
export interface ConversionOutcome {
  converted: boolean;
  /** Contract value in the catalog currency; 0 when not converted or unknown. */
  value: number;
}

export interface SessionRewardConfig {
  /** Weight conversions by value: reward = min(1, value / referenceValue) instead of 1. */
  valueWeighted: boolean;
  /** The value that earns a full reward when value-weighted. */
  referenceValue: number;
}

export const defaultSessionRewardConfig: SessionRewardConfig = { valueWeighted: false, referenceValue: 10000 };

/** The sparse session-level reward R in [0, 1]: 0 without a conversion. */
export function sessionReward(outcome: ConversionOutcome, config: SessionRewardConfig = defaultSessionRewardConfig): number {
  if (!outcome.converted) return 0;
  if (!config.valueWeighted) return 1;
  if (!(config.referenceValue > 0)) throw new Error('sessionReward: referenceValue must be positive');
  return Math.min(1, Math.max(0, outcome.value) / config.referenceValue);
}
