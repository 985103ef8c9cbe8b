import { ComplianceRule, HistoryTurn, TurnScoring } from '../scoring';

/**
 * Blocking rules that only the whole reply can satisfy: "the visitor asked whether a bot is
 * answering, and the reply says it is an AI" is broken by every prefix before the disclosure and
 * kept by the reply that discloses later. Every other blocking rule looks at what a sentence
 * says (a phrase, a price, a discount, a denial), so a prefix that breaks one stays broken.
 */
const isWholeReplyRule = (r: ComplianceRule) => r.kind === 'ai-question-evaded';

export type Verdict =
  /** Nothing blocks: the prefix may be sent. */
  | { kind: 'pass' }
  /** Only a whole-reply rule is not met yet: keep the sentences back until it is. */
  | { kind: 'hold'; rules: string[] }
  /** A blocking rule fired that no continuation can undo. */
  | { kind: 'block'; rules: string[] };

/** Decides, sentence by sentence, whether the reply so far may reach the visitor. */
export class SentenceGate {
  /** Of the rules in force of `scoring` (the live ones come from the database). */
  private readonly wholeReplyRules: Set<string>;

  constructor(
    private readonly scoring: TurnScoring,
    private readonly history: HistoryTurn[],
  ) {
    this.wholeReplyRules = new Set(scoring.rules.filter(isWholeReplyRule).map((r) => r.id));
  }

  /** The reply so far (complete sentences). `final`: no more text will follow, so a whole-reply rule blocks too. */
  check(replySoFar: string, final: boolean): Verdict {
    const rules = [...new Set(this.scoring.violations(replySoFar, this.history).filter((v) => v.severity === 'block').map((v) => v.ruleId))];
    if (rules.length === 0) return { kind: 'pass' };
    return !final && rules.every((r) => this.wholeReplyRules.has(r)) ? { kind: 'hold', rules } : { kind: 'block', rules };
  }
}
