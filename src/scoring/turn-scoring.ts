import { ProductCatalog } from '../catalog';
import { BotLikenessScorer } from './bot-likeness';
import { ComplianceRule, ComplianceScorer, defaultComplianceRules, Violation } from './compliance';
import { FluencyScorer } from './fluency';
import { validateTurnText } from './input-validation';
import { RepetitionScorer } from './repetition';
import { HistoryTurn, ScoreResult, TurnScorer } from './types';

/**
 * Weights of the dense turn reward r = Σ weight · score. Compliance and fluency are "higher is
 * better" in [0, 1]; repetition and bot-likeness are "higher is worse" in [0, 1], hence negative
 * weights. With the defaults r lies in [−2, 1.5].
 */
export interface TurnRewardWeights {
  compliance: number;
  repetition: number;
  bot_likeness: number;
  fluency: number;
}

export const defaultTurnRewardWeights: TurnRewardWeights = { compliance: 1, repetition: -1, bot_likeness: -1, fluency: 0.5 };

export interface TurnScores {
  results: ScoreResult[];
  /** The dense turn reward. */
  total: number;
  /** A `block` compliance rule fired: the reply must not reach the visitor. */
  blocking: boolean;
  violations: Violation[];
}

/** Runs every turn scorer on one agent reply and combines them into the dense turn reward. */
export class TurnScoring {
  private readonly scorers: TurnScorer[];

  constructor(
    private readonly catalog: ProductCatalog,
    private readonly weights: TurnRewardWeights = defaultTurnRewardWeights,
    rules: ComplianceRule[] = defaultComplianceRules,
  ) {
    this.scorers = [new ComplianceScorer(rules), new RepetitionScorer(), new BotLikenessScorer(), new FluencyScorer()];
  }

  score(text: string, history: HistoryTurn[]): TurnScores {
    validateTurnText(text);
    const input = { text, history, catalog: this.catalog };
    const results = this.scorers.map((s) => s.score(input));
    const total = results.reduce((sum, r) => sum + (this.weights[r.scorer as keyof TurnRewardWeights] ?? 0) * r.score, 0);
    const compliance = results.find((r) => r.scorer === 'compliance')!.evidence as { violations: Violation[]; blocking: boolean };
    return { results, total, blocking: compliance.blocking, violations: compliance.violations };
  }
}
