/** A session's outcome as recorded: from conversion events (live) or the simulator (offline). */
export interface ConversionOutcome {
  converted: boolean;
  /** Deal value in the catalog currency; 0 when not converted or unknown. */
  value: number;
}

/**
 * `value`: the converted deal's value in the catalog currency (the business outcome, default);
 * `conversion`: 1 for a conversion, else 0.
 */
export type SessionRewardKind = 'value' | 'conversion';

/** The sparse session reward R: 0 without a conversion. */
export function sessionReward(outcome: ConversionOutcome, kind: SessionRewardKind = 'value'): number {
  if (!outcome.converted) return 0;
  return kind === 'conversion' ? 1 : Math.max(0, outcome.value);
}
