import type { EvaluationComparison, EvaluationPlan, EvaluationSummary } from '../../evaluation';
import type { QuestionSetName } from '../../model/default-model/question-sets';
import type { SessionRewardKind } from '../../scoring';
import type { VisitorKind } from '../../simulator';

export type ShippedModel = 'sft' | 'rl';

/** A model's accuracy on one question set: greedy (one reply per question) and sampled at serving settings. */
export interface QuestionSetScore {
  questions: number;
  greedy: number;
  sampled: number;
  samplesPerQuestion: number;
}

export type QuestionScores = Record<QuestionSetName, QuestionSetScore>;

/** The held-out strict-simulator sets both models play: library personas (the rule reads it) and unseen personas (reported). */
export const HELD_OUT_SETS = ['library', 'unseen'] as const;
export type HeldOutSet = (typeof HELD_OUT_SETS)[number];

/** Both models on one held-out plan, and RL − SFT paired over its sessions. */
export interface HeldOutComparison {
  plan: EvaluationPlan;
  sft: EvaluationSummary;
  rl: EvaluationSummary;
  difference: EvaluationComparison;
}

/** How the RL model was trained. */
export interface FinishingTraining {
  estimator: string;
  visitor: VisitorKind;
  sessionReward: SessionRewardKind;
  steps: number;
  contexts: number;
  group: number;
  seed: number;
  /** The supervised replay of every update (absent when off): its weight, windows per step, windows to draw from. */
  rehearsal?: { coef: number; windowsPerStep: number; windows: number };
}

/** What the finishing step of `build-model` measured and shipped. */
export interface FinishReport {
  ships: ShippedModel;
  /** Why the SFT model ships: every clause of the rule the RL model failed (empty when it ships). */
  reasons: string[];
  /** The shipped folder, the SFT model, the RL candidate and the run folder. */
  out: string;
  sft: string;
  rl: string;
  root: string;
  training: FinishingTraining;
  questionSets: Record<QuestionSetName, Record<ShippedModel, QuestionSetScore>>;
  heldOut: Record<HeldOutSet, HeldOutComparison>;
}
