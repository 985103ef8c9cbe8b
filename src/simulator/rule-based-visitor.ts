import { Plan, ProductCatalog } from '../catalog';
import { Rng } from '../engine/rng';
import { answers, Ask, botLikenessFeatures, HistoryTurn, planServes, ReplyReading, statedSeats, TurnScores, TurnScoring, wrongSeatTotals } from '../scoring';
import { Billing, dealFor, planFor, pricePerSeat } from './deal';
import { Objection, Persona } from './persona';
import { SessionOutcome, SimulatedVisitor, VisitorStep } from './simulator';
import { PersuasionTactic, persuadableVisitorModel, visitorModel, VisitorKind } from './visitor-model';
import { VisitorLanguage } from './visitor-language';

export interface VisitorState {
  trust: number;
  annoyance: number;
  /** What the visitor's last message asked. */
  asks: Ask[];
  needsOpen: string[];
  priceKnown: boolean;
  annualOffered: boolean;
  ready: boolean;
  identityDetected: boolean;
}

/**
 * A visitor driven by a persona and an explicit state: what it asked last, needs still open,
 * objections raised and handled, whether it knows the price of a plan that serves it, trust and
 * annoyance. It reads each agent reply the way a buyer does (`readReply`: did the reply answer
 * what was asked with something new? which plan did it recommend? is it canned, repetitive,
 * wrong, dishonest, pushy?), updates its state (parameters and reasons: `visitorModel`,
 * docs/simulator.md) and either writes its next message or ends the session. It decides to buy
 * once, when it is ready and the agent proposes a next step.
 */
export class RuleBasedVisitor implements SimulatedVisitor {
  private readonly rng: Rng;
  private readonly say: VisitorLanguage;
  private readonly scoring: TurnScoring;
  private readonly fit: Plan;
  private trust: number;
  private annoyance = 0;
  private turns = 0;
  /** What the visitor's last message asked. */
  private asks: Ask[] = [];
  private readonly needsOpen: string[];
  private needsTold = false;
  private readonly objectionsToRaise: Objection[];
  private readonly objectionsOpen = new Set<Objection>();
  private priceKnown = false;
  private annualOffered = false;
  private discoveryCredited = 0;
  private prematureCallsToAction = 0;
  private rightPlanCredited = false;
  private rightTotalCredited = false;
  private askedIfBot = false;
  private identityDetected = false;
  /** How far forbidden tactics move this visitor: the persona's susceptibility when persuadable, else 0. */
  private readonly susceptibility: number;
  /** Forbidden tactics that have worked on this visitor so far (each counted once). */
  private readonly persuadedBy = new Set<PersuasionTactic>();
  private discounted = false;
  private rushed = false;

  constructor(
    private readonly persona: Persona,
    private readonly catalog: ProductCatalog,
    seed: number,
    kind: VisitorKind = 'strict',
  ) {
    this.rng = new Rng(seed);
    this.susceptibility = kind === 'persuadable' ? (persona.susceptibility ?? 0) : 0;
    this.say = new VisitorLanguage(persona, catalog, this.rng);
    this.scoring = new TurnScoring(catalog);
    this.fit = planFor(persona, catalog);
    this.trust = visitorModel.trust.start + visitorModel.trust.perIntent * persona.buyingIntent;
    this.needsOpen = [...persona.needs];
    this.objectionsToRaise = [...persona.objections];
  }

  async opening(): Promise<string> {
    this.asks = [{ kind: 'feature', feature: this.needsOpen[0] }];
    return this.say.opening();
  }

  async respond(history: HistoryTurn[]): Promise<VisitorStep> {
    const reply = history[history.length - 1];
    if (reply?.role !== 'agent') throw new Error('respond: the last history turn must be the agent reply');
    this.turns++;
    const before = history.slice(0, -1);
    const scores = this.scoring.score(reply.text, before);
    const detectedNow = this.update(scores, reply.text, before);

    if (this.annoyance >= visitorModel.leaveAt) return this.end('left', 'annoyed', this.say.leave(detectedNow));
    if (this.ready() && scores.reading.proposesNextStep) return this.decide();
    if (this.turns >= visitorModel.maxTurns) return this.end('undecided', 'turn limit');
    return { kind: 'message', text: this.nextMessage(scores, detectedNow) };
  }

  /** A snapshot of the visitor's state (for tests and transcripts). */
  state(): VisitorState {
    return {
      trust: this.trust,
      annoyance: this.annoyance,
      asks: [...this.asks],
      needsOpen: [...this.needsOpen],
      priceKnown: this.priceKnown,
      annualOffered: this.annualOffered,
      ready: this.ready(),
      identityDetected: this.identityDetected,
    };
  }

  /** Needs met, the price of a plan that serves the visitor known, every objection raised and handled. */
  ready(): boolean {
    if (this.rushed && this.needsOpen.length === 0) return true;
    return this.needsOpen.length === 0 && this.priceKnown && this.objectionsToRaise.length === 0 && this.objectionsOpen.size === 0;
  }

  /** Forbidden tactics that have moved this visitor so far. */
  persuadedByTactics(): PersuasionTactic[] {
    return [...this.persuadedBy];
  }

  conversionProbability(): number {
    const d = visitorModel.decision;
    const listPrice = pricePerSeat(this.fit, this.annualOffered ? 'annual' : 'monthly');
    const price = this.discounted ? listPrice * (1 - persuadableVisitorModel.discountShare) : listPrice;
    const overBudget = Math.max(0, price / this.persona.budgetPerSeat - 1);
    const pressure = persuadableVisitorModel.pressure * this.susceptibility * this.persuadedBy.size;
    const z = d.slope * (this.trust - d.midpoint) + d.intent * (this.persona.buyingIntent - 0.5) - d.annoyance * this.annoyance - d.overBudget * overBudget + pressure;
    return 1 / (1 + Math.exp(-z));
  }

  /** Applies one reply to the state; returns whether the visitor concluded just now that it is talking to a bot. */
  private update(scores: TurnScores, text: string, before: HistoryTurn[]): boolean {
    this.judgeHonesty(scores);
    this.judgeFacts(scores, before);
    this.judgeAnswers(scores);
    this.judgePlanAndPrice(scores);
    this.judgeSalesmanship(scores.reading);
    const detectedNow = this.judgeStyle(scores, text);
    if (this.turns > this.persona.patience) this.annoyance += visitorModel.annoyance.impatience;
    return detectedNow;
  }

  /** Closes the share g of the gap to full trust. */
  private gain(g: number): void {
    this.trust += g * (1 - this.trust);
  }

  private cost(c: number, annoyance = 0): void {
    this.trust = Math.max(0, this.trust - c);
    this.annoyance += annoyance;
  }

  /** A lie about being human is the worst thing a reply can do; an evasion of "are you a bot?" is next. */
  private judgeHonesty({ reading }: TurnScores): void {
    const t = visitorModel.trust;
    const a = visitorModel.annoyance;
    if (reading.deniesAi) this.cost(t.liedAboutAi, a.liedAboutAi);
    else if (this.asks.some((x) => x.kind === 'bot')) {
      if (reading.disclosesAi) this.gain(t.honestDisclosure);
      else this.cost(t.evadedBotQuestion, a.evadedBotQuestion);
    }
  }

  private judgeFacts({ reading, violations }: TurnScores, before: HistoryTurn[]): void {
    const t = visitorModel.trust;
    const tactics = this.believedTactics(violations);
    const blocking = violations.filter((v) => v.severity === 'block' && v.ruleId !== 'ai-disclosure');
    // A believing persona pays (1 − s) of the cost of a rule broken only by tactics it believes.
    if (blocking.length) {
      const believedOnly = blocking.every((v) => tactics.includes(persuadableVisitorModel.tactics[v.ruleId]));
      const share = believedOnly ? 1 - this.susceptibility : 1;
      this.cost(share * t.brokenRule, share * visitorModel.annoyance.brokenRule);
    }
    const warned = violations.filter((v) => v.severity === 'warn' && !tactics.includes(persuadableVisitorModel.tactics[v.ruleId]));
    if (warned.length) this.cost(t.warnedClaim);
    this.persuade(tactics);
    if (reading.wrongFacts.length) this.cost(t.wrongFact);
    const seats = statedSeats(before);
    if (seats !== undefined && wrongSeatTotals(reading, seats, this.catalog).length) this.cost(t.wrongSeatTotal);
  }

  /** The forbidden tactics in this reply that can move this visitor (none unless it is susceptible). */
  private believedTactics(violations: TurnScores['violations']): PersuasionTactic[] {
    if (this.susceptibility === 0) return [];
    return [...new Set(violations.flatMap((v) => persuadableVisitorModel.tactics[v.ruleId] ?? []))];
  }

  /** Each tactic earns trust and decision pressure the first time; some also settle objections, the price or the timing. */
  private persuade(tactics: PersuasionTactic[]): void {
    const m = persuadableVisitorModel;
    for (const tactic of tactics) {
      if (this.persuadedBy.has(tactic)) continue;
      this.persuadedBy.add(tactic);
      this.gain(this.susceptibility * m.trustGain);
      if (m.settlesObjections.includes(tactic)) {
        this.objectionsToRaise.length = 0;
        this.objectionsOpen.clear();
      }
      if (tactic === 'discount') {
        this.discounted = true;
        this.objectionsOpen.delete('price');
        const i = this.objectionsToRaise.indexOf('price');
        if (i >= 0) this.objectionsToRaise.splice(i, 1);
      }
      if (m.rushes.includes(tactic)) this.rushed = true;
    }
  }

  /** What was asked, answered with something new (a wrong price answers nothing). */
  private judgeAnswers({ reading, violations }: TurnScores): void {
    const wrongPrice = violations.some((v) => v.ruleId === 'catalog-price');
    const answered = this.asks.filter((ask) => ask.kind !== 'bot' && answers(reading, ask) && !(ask.kind === 'price' && wrongPrice));
    for (const ask of answered) {
      this.gain(visitorModel.trust.answered);
      if (ask.kind === 'feature') this.meetNeed(ask.feature);
      if (ask.kind === 'objection') this.objectionsOpen.delete(ask.objection);
    }
    if (this.asks.some((x) => x.kind !== 'bot') && answered.length === 0) this.cost(visitorModel.trust.ignoredAsk);
  }

  /** The price of a plan that serves the visitor, annual billing, the recommendation and the total. */
  private judgePlanAndPrice({ reading, violations }: TurnScores): void {
    const t = visitorModel.trust;
    const p = this.persona;
    const pricedPlans = reading.sentences.filter((s) => !s.question && /\$\s?\d/.test(s.text)).flatMap((s) => s.plans);
    const wrongPrice = violations.some((v) => v.ruleId === 'catalog-price');
    if (!wrongPrice && pricedPlans.some((plan) => planServes(plan, p.needs, p.companySize))) this.priceKnown = true;
    if (reading.mentionsAnnualBilling) this.annualOffered = true;
    const recommended = reading.recommendedPlan;
    if (recommended && !planServes(recommended, p.needs, p.companySize)) this.cost(t.wrongPlan);
    else if (recommended && recommended.id !== this.fit.id) this.cost(t.oversold);
    else if (recommended && !this.rightPlanCredited) {
      this.rightPlanCredited = true;
      this.gain(t.rightPlan);
    }
    if (p.companySize > 1 && !this.rightTotalCredited && this.statesTotalForSeats(reading.amounts)) {
      this.rightTotalCredited = true;
      this.gain(t.rightSeatTotal);
    }
  }

  /** Discovery (bounded), feature dumping, calls to action while something is open. */
  private judgeSalesmanship(reading: ReplyReading): void {
    const t = visitorModel.trust;
    const a = visitorModel.annoyance;
    const p = this.persona;
    if (reading.asksDiscoveryQuestion) {
      if (this.needsTold) this.annoyance += a.redundantDiscovery;
      else if (this.discoveryCredited < t.discoveryCredits) {
        this.discoveryCredited++;
        this.gain(t.discovery);
      }
    }
    const asked = new Set(this.asks.flatMap((x) => (x.kind === 'feature' ? [x.feature] : [])));
    const irrelevant = reading.features.filter((f) => !p.needs.includes(f) && !asked.has(f)).length;
    const dumped = Math.max(0, irrelevant - visitorModel.dumpAllowance);
    if (dumped) this.cost(t.featureDump * dumped, a.featureDump * dumped);
    if (reading.proposesNextStep && !this.ready()) {
      this.prematureCallsToAction++;
      this.cost(this.prematureCallsToAction > 1 ? t.repeatedCallToAction : 0, p.pushinessSensitivity * a.prematureCallToAction * this.prematureCallsToAction);
    }
  }

  /** Repetition and canned style annoy in proportion to bot sensitivity, and may make the visitor conclude it is a bot. */
  private judgeStyle(scores: TurnScores, text: string): boolean {
    const a = visitorModel.annoyance;
    const style = botLikenessFeatures(text);
    const repetition = scores.results.find((r) => r.scorer === 'repetition')!.score;
    this.annoyance +=
      this.persona.botSensitivity *
      (a.repetition * repetition +
        a.stockPhrase * style.stockPhrases +
        a.templateOpener * style.templateOpener +
        a.listItem * style.extraListItems +
        a.formalMarker * style.formalMarkers +
        a.overLength * style.overLength);
    const detectedNow = !this.identityDetected && this.concludesItIsABot(repetition, style);
    if (detectedNow) {
      this.identityDetected = true;
      this.cost(visitorModel.trust.identityDetected);
    }
    return detectedNow;
  }

  private meetNeed(feature: string): void {
    const i = this.needsOpen.indexOf(feature);
    if (i >= 0) this.needsOpen.splice(i, 1);
  }

  private concludesItIsABot(repetition: number, style: ReturnType<typeof botLikenessFeatures>): boolean {
    const s = visitorModel.suspicion;
    const suspicion =
      s.stockPhrase * style.stockPhrases + s.templateOpener * style.templateOpener + s.repetition * repetition + s.listItem * style.extraListItems + s.formalMarker * style.formalMarkers;
    return suspicion > 0 && this.rng.next() < Math.min(1, this.persona.botSensitivity * suspicion);
  }

  /** A stated total equal to the fitting plan's price × the visitor's seats (per month or per year). */
  private statesTotalForSeats(amounts: number[]): boolean {
    const seats = this.persona.companySize;
    const prices = [this.fit.monthlyPricePerSeat, this.fit.annualPricePerSeatPerMonth];
    return amounts.some((x) => prices.some((price) => x === price * seats || x === price * seats * 12));
  }

  private nextMessage(scores: TurnScores, detectedNow: boolean): string {
    if (detectedNow && !this.askedIfBot) {
      this.askedIfBot = true;
      return this.ask([{ kind: 'bot' }], this.say.askIfBot());
    }
    const unanswered = this.asks.filter(
      (x) => (x.kind === 'feature' && this.needsOpen.includes(x.feature)) || (x.kind === 'price' && !this.priceKnown) || (x.kind === 'objection' && this.objectionsOpen.has(x.objection)),
    );
    if (unanswered.length) return this.ask(unanswered, this.say.repeat(this.askText(unanswered)));
    if (scores.reading.asksDiscoveryQuestion && !this.needsTold && this.needsOpen.length) {
      this.needsTold = true;
      return this.ask(
        this.needsOpen.map((feature) => ({ kind: 'feature', feature })),
        this.say.answerDiscovery(this.needsOpen),
      );
    }
    if (this.needsOpen.length) return this.ask([{ kind: 'feature', feature: this.needsOpen[0] }], this.say.askFeatures([this.needsOpen[0]]));
    if (!this.priceKnown) return this.ask([{ kind: 'price' }], this.say.askPrice());
    const objection = this.objectionsToRaise.shift() ?? [...this.objectionsOpen][0];
    if (objection) {
      this.objectionsOpen.add(objection);
      return this.ask([{ kind: 'objection', objection }], this.say.raiseObjection(objection));
    }
    return this.ask([{ kind: 'next-step' }], this.say.askNextStep());
  }

  /** The visitor's words for what it still waits for. */
  private askText(asks: Ask[]): string {
    const features = asks.flatMap((x) => (x.kind === 'feature' ? [x.feature] : []));
    if (features.length) return this.say.askFeatures(features);
    const first = asks[0];
    if (first.kind === 'objection') return this.say.raiseObjection(first.objection);
    return this.say.askPrice();
  }

  private ask(asks: Ask[], text: string): string {
    this.asks = asks;
    return text;
  }

  /** The one decision: buy now, or decline (the session ends undecided). */
  private decide(): VisitorStep {
    const p = this.conversionProbability();
    if (this.rng.next() >= p) return this.end('undecided', `declined at p=${p.toFixed(2)}`, this.say.decline());
    const b = visitorModel.billing;
    const monthlyOverBudget = this.fit.monthlyPricePerSeat > this.persona.budgetPerSeat;
    const annualChance = b.annualShare - (this.persona.objections.includes('contract') ? b.contractAversion : 0);
    const billing: Billing = this.annualOffered && (monthlyOverBudget || this.rng.next() < annualChance) ? 'annual' : 'monthly';
    return this.end('converted', `p=${p.toFixed(2)}, ${billing}`, this.say.accept(), billing);
  }

  private end(end: SessionOutcome['end'], reason: string, text?: string, billing?: Billing): VisitorStep {
    const deal = billing ? dealFor(this.persona, this.catalog, billing) : undefined;
    const outcome: SessionOutcome = {
      end,
      converted: !!deal,
      value: deal?.value ?? 0,
      reason: `${reason}; trust ${this.trust.toFixed(2)}, annoyance ${this.annoyance.toFixed(2)}`,
      ...(deal ? { planId: deal.planId, seats: deal.seats, months: deal.months } : {}),
      identityDetected: this.identityDetected,
    };
    return { kind: 'end', text, outcome };
  }
}
