import { answers, Ask, ComplianceRule, HistoryTurn, lastVisitorAsks, readReply, TurnScoring } from '../scoring';

/**
 * Blocking rules that only the whole reply can satisfy: "the visitor asked whether a bot is
 * answering, and the reply says it is an AI" is broken by every prefix before the disclosure and
 * kept by the reply that discloses later. Every other blocking rule looks at what a sentence
 * says (a phrase, a price, a discount, a denial), so a prefix that breaks one stays broken.
 */
const isWholeReplyRule = (r: ComplianceRule) => r.kind === 'ai-question-evaded';

/**
 * Not a compliance rule: the reply opens without answering what the visitor asked. An underscore,
 * like `empty_reply`, so it can never be taken for a rule id (those are dashes only).
 */
export const NON_ANSWER = 'non_answer';

export type Verdict =
  /** Nothing blocks: the prefix may be sent. */
  | { kind: 'pass' }
  /** Only a whole-reply rule, or the answer to the visitor, is not met yet: keep the sentences back until it is. */
  | { kind: 'hold'; rules: string[] }
  /** A blocking rule fired that no continuation can undo. */
  | { kind: 'block'; rules: string[] };

/** Whether the reply so far answers the visitor: the first sentence that says something decides. */
type Opening = 'answers' | 'undecided' | 'non-answer';

/** Decides, sentence by sentence, whether the reply so far may reach the visitor. */
export class SentenceGate {
  /** Of the rules in force of `scoring` (the live ones come from the database). */
  private readonly wholeReplyRules: Set<string>;
  /**
   * What the visitor's last message asks, read as the simulator and the `unanswered` reward term
   * read it. A bot question is left to the `ai-question-evaded` rule, which already holds the
   * reply until it discloses (and an honest disclosure is its answer).
   */
  private readonly asks: Ask[];
  /**
   * The message the reply answers, alone: whether the reply answers it is read against it only.
   * Read against the whole session, the reading (built for the simulator and the reward, where a
   * policy must not earn an answer by repeating itself) takes an answer that repeats an earlier
   * reply, or words the visitor used earlier, for saying nothing: deep in a session most of what it
   * stopped were right answers to a question asked again (docs/compliance.md). Repetition is the
   * `repetition` scorer's to judge, not a reason to hold an answer back.
   */
  private readonly answered: HistoryTurn[];

  constructor(
    private readonly scoring: TurnScoring,
    private readonly history: HistoryTurn[],
  ) {
    this.wholeReplyRules = new Set(scoring.rules.filter(isWholeReplyRule).map((r) => r.id));
    const asks = lastVisitorAsks(history, scoring.catalog);
    this.asks = asks.some((a) => a.kind === 'bot') ? [] : asks;
    this.answered = history.slice(-1);
  }

  /**
   * The reply so far (complete sentences). `final`: no more text will follow, so a whole-reply rule
   * blocks too. `judgeAnswer`: a reply that opens without answering the visitor is blocked too.
   */
  check(replySoFar: string, final: boolean, judgeAnswer: boolean): Verdict {
    const broken = [...new Set(this.scoring.violations(replySoFar, this.history).filter((v) => v.severity === 'block').map((v) => v.ruleId))];
    const unmet = broken.map((id) => ({ id, waits: this.wholeReplyRules.has(id) }));
    const opening = judgeAnswer ? this.opening(replySoFar) : 'answers';
    if (opening !== 'answers') unmet.push({ id: NON_ANSWER, waits: opening === 'undecided' });
    if (unmet.length === 0) return { kind: 'pass' };
    const rules = unmet.map((u) => u.id);
    return !final && unmet.every((u) => u.waits) ? { kind: 'hold', rules } : { kind: 'block', rules };
  }

  /**
   * Where the stream lets a whole reply's first sentences out, checking them in order: the prefix
   * sent as the first delta, or the prefix that stopped the attempt and why. For offline reading of
   * finished replies (benchmarks, evaluations); the stream checks sentence by sentence as they come.
   */
  firstPassage(sentences: string[], judgeAnswer: boolean): { prefix: string; stopped: string[] | undefined } {
    for (let i = 0; i < sentences.length; i++) {
      const prefix = sentences.slice(0, i + 1).join(' ');
      const verdict = this.check(prefix, i === sentences.length - 1, judgeAnswer);
      if (verdict.kind !== 'hold') return { prefix, stopped: verdict.kind === 'block' ? verdict.rules : undefined };
    }
    return { prefix: '', stopped: ['empty_reply'] };
  }

  /**
   * Sentences that add nothing ("Sure!", "Hello!") wait for the next one; the first that says
   * something must answer one of the asks, or the reply is a non-answer (an AI disclosure nobody
   * asked for included). The stream stops at that sentence, so a later one never reopens it.
   */
  private opening(replySoFar: string): Opening {
    if (this.asks.length === 0) return 'answers';
    const reading = readReply(replySoFar, this.answered, this.scoring.catalog);
    if (this.asks.some((ask) => answers(reading, ask))) return 'answers';
    return reading.sentences.some((s) => s.informative) ? 'non-answer' : 'undecided';
  }
}
