import { answers, Ask, ComplianceRule, disclosesBeingAi, HistoryTurn, readReply, ReplyReading, seatsPricedIn, speaksOfProduct, statesProductFact, statesSeatTotal, TurnScoring, visitorAsks } from '../scoring';
import { ProductCatalog } from '../catalog';
import { sentences, withoutDoubledLetters } from '../scoring/text';

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

/**
 * A question mark, or a clause that opens with a question word, after a filler or two ("ok so can
 * we cancel anytime"): visitors drop question marks.
 */
const QUESTION = /\?|(?:^|[,;:]\s*)(?:(?:ok|okay|so|and|but|also|plus|hi|hey)\s+){0,2}(?:can|could|do|does|did|is|are|will|would|should|how|what|whats|why|when|where|which|who)\b/i;
/** The sentences of a message that ask something. */
const questionsOf = (message: string) => sentences(message).filter((s) => QUESTION.test(s));

/**
 * Messages a reply may open by saying it is an AI assistant although the reading sees no ask in
 * them: a greeting (the corpus introduces itself to "Hi"), small talk about the agent, a short
 * question about the agent or the chat ("Are you a virtual assistant?", "Is it software?", "Am I
 * dealing with a computer?", "Who are you?") in words `isBotQuestion` does not know, and any message
 * naming a person or a machine. Broad on purpose: a message read as one of these is only left
 * unjudged, as every message without an ask was before.
 */
const INVITES_INTRODUCTION = [
  /^\W*(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|morning|evening)\b/i,
  /\b(?:nice|pleased|good)\s+to\s+meet\s+(?:you|u)\b|\bhow\s+(?:are|r)\s+(?:you|u)\b|\bhow(?:'s|\s+is)\s+it\s+going\b/i,
  /\bwho(?:'s|\s+is|\s+are|\s+am)\s+(?:you|u|this|there|here|i|that|answering|typing|replying|writing|on\s+the\s+other\s+end)\b/i,
  /\bwhat\s+(?:are|r)\s+(?:you|u)\b|\bwhat\s+(?:can|do)\s+(?:you|u)\s+do\b|\byour\s+name\b|\bintroduce\s+yourself\b|\b(?:you|u)\s+there\b/i,
  /\bwho\s+(?:made|built|created|trained|programmed|runs)\b|\bwhat\s+(?:model|llm)\b|\bhow\s+do\s+(?:you|u)\s+work\b/i,
  /\b(?:bots?|robots?|chatbot|ai|a\.i\.?|automated|automatic|machine|program|software|computer|gpt|chatgpt|llm|language\s+model|artificial|assistant|humans?|person|people|real|someone|somebody|anyone|anybody|rep|salesperson|employees?|staff)\b/i,
];
/** A sentence asking what the agent or the chat is, in at most four words after its subject. */
const ABOUT_THE_AGENT = /\b(?:(?:are|r)\s+(?:you|u)|am\s+i|is\s+(?:this|it|that|tis|ths|thus))(?:\s+[\w'-]+){1,4}\s*[?!.]*$/i;

/**
 * A product the visitor compares with ("why should we pick you over HubSpot?", "how is it better than
 * HubSpot?") is named as a rival, not asked about as an integration: the gate reads a catalog
 * keyword in that place as "them".
 */
const comparedWith = (catalog: ProductCatalog) =>
  new RegExp(`\\b((?:better|different|worse|cheaper|easier)\\s+(?:than|from)|vs\\.?|versus|instead\\s+of|compared\\s+(?:to|with)|rather\\s+than|(?:you|it|this|us|${catalog.product})\\s+over)\\s+(?:the\\s+)?([\\w-]+)`, 'gi');

/** What the gate takes the visitor's message to ask: the shared reading's asks, rivals named in a comparison left out. */
export function asksAsGateReads(message: string, catalog: ProductCatalog): Ask[] {
  const keywords = new Set(Object.values(catalog.features).flatMap((f) => f.keywords.map((k) => k.toLowerCase())));
  return visitorAsks(message.replace(comparedWith(catalog), (whole, lead: string, name: string) => (keywords.has(name.toLowerCase()) ? `${lead} them` : whole)), catalog);
}

/** Words by which a message refers to what the chat is about ("will it work for us?", "tell me more"): on a product's site, the product. */
const REFERS_BACK = /\b(?:it|its|this|that|these|those|they|them|more|else|other|another|one)\b/i;

const invitesIntroduction = (message: string) =>
  [message, withoutDoubledLetters(message)].some((text) => INVITES_INTRODUCTION.some((p) => p.test(text)) || sentences(text).some((s) => ABOUT_THE_AGENT.test(s)));

/** Whether the reply so far answers the visitor: the first sentence that says something decides. */
type Opening = 'answers' | 'undecided' | 'non-answer';

/** Decides, sentence by sentence, whether the reply so far may reach the visitor. */
export class SentenceGate {
  /** Of the rules in force of `scoring` (the live ones come from the database). */
  private readonly wholeReplyRules: Set<string>;
  /**
   * What the visitor's last message asks, read as the simulator and the `unanswered` reward term
   * read it. A bot question is left to the `ai-question-evaded` rule, which already holds the
   * reply until it discloses (and an honest disclosure is its answer). An objection stated, not
   * asked ("moving our data sounds hard") has no one right answer to hold a reply for: taking it
   * up is the salesperson's craft, which the reward judges over the session.
   */
  private readonly asks: Ask[];
  /**
   * One of the message's several questions is none the reading recognizes ("what's the minimum
   * term? plus, 37 seats on Enterprise?" reads as a price ask and a question it cannot read): the reply may open
   * by answering that one, so its first sentence is not stopped for missing the others, unless it is
   * an AI disclosure nobody asked for. Holding it back instead, until a sentence answers what the
   * reading sees, cost 40–60 % on the p95 time to first delta under load (docs/compliance.md).
   */
  private readonly unreadQuestion: boolean;
  /**
   * The visitor's message neither asks anything the reading sees nor invites the agent to say what
   * it is: a reply opening with an AI disclosure answers nothing ("No, I'm an AI assistant for
   * Pipewise, not a human." to "Are there long-term obligations?" reads as a "no" to the question).
   */
  private readonly disclosureUnasked: boolean;
  /**
   * The message is about something other than the product (the weather, a joke, thanks): a reply
   * opening with a product fact (a price, a plan, a discount) answers nothing; the corpus declines
   * or greets back without one. A message that refers to something ("will it work for us?", "tell
   * me more"), or answers the agent's question ("yes please", "just me"), is taken to be about the
   * product, whatever its words.
   */
  private readonly offProduct: () => boolean;
  /** The seats a price is asked for ("what would 14 users on Growth cost?"): their total answers it. */
  private readonly seats: number | undefined;

  constructor(
    private readonly scoring: TurnScoring,
    private readonly history: HistoryTurn[],
  ) {
    this.wholeReplyRules = new Set(scoring.rules.filter(isWholeReplyRule).map((r) => r.id));
    const last = history[history.length - 1];
    const asks = last?.role === 'visitor' ? asksAsGateReads(last.text, scoring.catalog) : [];
    const questions = last?.role === 'visitor' ? questionsOf(last.text) : [];
    // A stated objection holds nothing back, nor do the features it mentions ("Our deals live in Google Sheets.").
    const stated = questions.length === 0 && asks.some((a) => a.kind === 'objection');
    this.asks = asks.some((a) => a.kind === 'bot') ? [] : asks.filter((a) => questions.length > 0 || (a.kind !== 'objection' && !(stated && a.kind === 'feature')));
    // A lone question with no ask of its own refers back to the message's statements ("I want sequences. Which plan has that?").
    // Statements ask too ("…? Oh, and tell me about the refund policy."): a question read as nothing, with another
    // asking sentence after it, is a question of its own; the last one refers back to what was said before it.
    const asking = last?.role === 'visitor' ? sentences(last.text).filter((t) => QUESTION.test(t) || visitorAsks(t, scoring.catalog).length > 0) : [];
    const unread = (t: string) => QUESTION.test(t) && visitorAsks(t, scoring.catalog).length === 0;
    this.unreadQuestion = this.asks.length > 0 && ((questions.length > 1 && questions.some(unread)) || asking.slice(0, -1).some(unread));
    this.disclosureUnasked = this.asks.length === 0 && !asks.some((a) => a.kind === 'bot') && last?.role === 'visitor' && !invitesIntroduction(last.text);
    const lastAgent = history.filter((t) => t.role === 'agent').pop();
    const answersAgent = !!lastAgent && lastAgent.text.includes('?');
    const offProduct = asks.length === 0 && last?.role === 'visitor' && !answersAgent && !REFERS_BACK.test(last.text);
    // Read only when an opening is judged: most replies never need it.
    this.offProduct = () => offProduct && !speaksOfProduct(last.text, scoring.catalog);
    this.seats = last?.role === 'visitor' ? seatsPricedIn(last.text, scoring.catalog) : undefined;
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
   *
   * Read against no history: a right yes repeats the question's words ("Yes, Starter includes the
   * mobile app." to "Is the mobile app on Starter?"), which the shared reading, built so that a
   * policy cannot earn an answer by echoing the visitor, takes for saying nothing; and deep in a
   * session it took answers repeating an earlier reply for non-answers (docs/compliance.md, "Deep in
   * a session"). Repetition is the `repetition` scorer's to judge. Someone asking for a person is
   * answered by a reply that says who is answering (an AI disclosure), as the corpus answers them.
   * A message with no ask the reading sees is judged only for an opening that answers nothing
   * there: a disclosure nobody invited, or a product fact when the message is not about the product.
   */
  private opening(replySoFar: string): Opening {
    if (this.asks.length === 0) {
      const unasked = (this.disclosureUnasked && disclosesBeingAi(replySoFar)) || (statesProductFact(replySoFar, this.scoring.catalog) && this.offProduct());
      return unasked ? 'non-answer' : 'answers';
    }
    const reading = readReply(replySoFar, [], this.scoring.catalog);
    if (this.asks.some((ask) => this.answersAsk(reading, ask))) return 'answers';
    if (!reading.sentences.some((s) => s.informative)) return 'undecided';
    return this.unreadQuestion && !reading.disclosesAi ? 'answers' : 'non-answer';
  }

  /** The shared reading's answer, and for a price asked for stated seats, their total (a per-seat price alone leaves the sum to the visitor). */
  private answersAsk(reading: ReplyReading, ask: Ask): boolean {
    if (ask.kind === 'person' && reading.disclosesAi) return true;
    if (!answers(reading, ask)) return false;
    return ask.kind !== 'price' || !!ask.discount || this.seats === undefined || statesSeatTotal(reading, this.seats, this.scoring.catalog);
  }
}
