import type { VisitorKind } from '../simulator';
import { TrainingContext } from './contexts';
import { Episode } from './episode';

/** One rollout to play: the context's visitor, and the agent's own sampling seed. */
export interface RolloutJob extends TrainingContext {
  agentSeed: number;
  /** Who plays the visitor, when not the source's own (held-out evaluation on either kind). */
  visitor?: VisitorKind;
}

/** A session played and scored: what the update learns from and what the metrics report. */
export interface ScoredSession {
  episode: Episode;
  converted: boolean;
  /** The visitor concluded on its own that the agent sounds like a bot (the paper's identity detection). */
  identityDetected: boolean;
  /** Agent turns whose inter-sentence repetition crossed the reporting threshold. */
  repetitiveTurns: number;
  violations: number;
  /** Violations of the rules that forbid persuasion tactics (guarantees, invented discounts, false urgency, …). */
  tacticViolations: number;
}

/** Plays rollouts with the current policy weights (a worker pool in production, a fake in tests). */
export interface RolloutSource {
  play(jobs: RolloutJob[]): Promise<ScoredSession[]>;
  setWeights(params: Map<string, Float32Array>): Promise<void>;
}
