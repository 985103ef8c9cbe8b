import { ProductCatalog } from '../catalog';
import { BotLikenessScorer } from './bot-likeness';
import { checkCompliance, ComplianceRule, ComplianceScorer, defaultComplianceRules, Violation } from './compliance';
import { FluencyScorer } from './fluency';
import { validateTurnText } from './input-validation';
import { RepetitionScorer } from './repetition';
import { readReply, ReplyReading } from './sales-reading';
import { SessionRewardKind } from './session-reward';
import { defaultTurnRewardWeights, TurnReward, turnReward, TurnRewardWeights } from './turn-reward';
import { HistoryTurn, ScoreResult, TurnScorer } from './types';

/** The reward configuration the trainer reads: turn-term weights and the session reward's kind. */
export interface RewardConfig {
  turnWeights: TurnRewardWeights;
  sessionReward: SessionRewardKind;
}

export const defaultRewardConfig: RewardConfig = { turnWeights: defaultTurnRewardWeights, sessionReward: 'value' };

export interface TurnScores {
  results: ScoreResult[];
  /** How a buyer reads the reply (asks answered, plan recommended, facts). */
  reading: ReplyReading;
  /** The dense turn reward and its terms. */
  reward: TurnReward;
  /** r_t, the same as `reward.reward`. */
  total: number;
  /** A `block` compliance rule fired: the reply must not reach the visitor. */
  blocking: boolean;
  violations: Violation[];
}

/** Runs every turn scorer on one agent reply and turns them into the dense turn reward. */
export class TurnScoring {
  private readonly scorers: TurnScorer[];

  constructor(
    readonly catalog: ProductCatalog,
    private readonly weights: TurnRewardWeights = defaultTurnRewardWeights,
    /** The compliance rules in force (the database's on the server, the shipped ones elsewhere). */
    readonly rules: ComplianceRule[] = defaultComplianceRules,
  ) {
    this.scorers = [new ComplianceScorer(rules), new RepetitionScorer(), new BotLikenessScorer(), new FluencyScorer()];
  }

  /** The compliance violations alone: what the guardrail checks on each streamed sentence, without the cost of the other scorers. */
  violations(text: string, history: HistoryTurn[]): Violation[] {
    return checkCompliance(text, history, this.catalog, this.rules);
  }

  score(text: string, history: HistoryTurn[]): TurnScores {
    validateTurnText(text);
    const input = { text, history, catalog: this.catalog };
    const results = this.scorers.map((s) => s.score(input));
    const get = (name: string) => results.find((r) => r.scorer === name)!.score;
    const compliance = results.find((r) => r.scorer === 'compliance')!.evidence as { violations: Violation[]; blocking: boolean };
    const reading = readReply(text, history, this.catalog);
    const outputs = {
      compliance: get('compliance'),
      repetition: get('repetition'),
      botLikeness: get('bot_likeness'),
      fluency: get('fluency'),
      wrongPrice: compliance.violations.some((v) => v.ruleId === 'catalog-price'),
    };
    const reward = turnReward(outputs, reading, history, this.catalog, this.weights);
    return { results, reading, reward, total: reward.reward, blocking: compliance.blocking, violations: compliance.violations };
  }
}

/** The dense turn reward of one agent reply given the turns before it (what the trainer calls). */
export function turnRewardTerms(
  reply: string,
  historyBefore: HistoryTurn[],
  catalog: ProductCatalog,
  weights: TurnRewardWeights = defaultTurnRewardWeights,
): TurnReward {
  return new TurnScoring(catalog, weights).score(reply, historyBefore).reward;
}
