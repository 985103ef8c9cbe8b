import { Plan, ProductCatalog } from '../catalog';
import { Rng } from '../engine/rng';
import { HistoryTurn, TurnScoring } from '../scoring';
import { Objection, Persona } from './persona';
import { analyzeReply, Ask, ReplyAnalysis } from './reply-analysis';
import { SessionOutcome, SimulatedVisitor, VisitorStep } from './simulator';
import { VisitorLanguage } from './visitor-language';

/**
 * The parameters of the rule-based visitor model, in one place (docs/simulator.md explains them).
 * Trust and annoyance start at `trust0 + trustPerIntent·intent` and 0; each agent reply moves them.
 */
export const visitorModel = {
  trust0: 0.2,
  trustPerIntent: 0.2,
  answeredAsk: 0.15,
  ignoredAsk: -0.1,
  discoveryQuestion: 0.08,
  handledObjection: 0.12,
  honestDisclosure: 0.05,
  brokeRuleTrust: -0.35,
  brokeRuleAnnoyance: 0.35,
  /** Annoyance per unit of repetition score, times the persona's bot sensitivity. */
  repetitionAnnoyance: 0.9,
  /** Annoyance per unit of bot-likeness above `botLikenessFloor`, times bot sensitivity. */
  botLikenessAnnoyance: 1.1,
  botLikenessFloor: 0.3,
  /** Annoyance for proposing to buy before learning any need, times pushiness sensitivity. */
  prematurePush: 0.3,
  /** Annoyance for each turn past the persona's patience. */
  impatience: 0.15,
  /** Leaves when annoyance reaches this. */
  leaveAt: 1,
  /** Chance to ask "are you a bot?" after a reply that reads as canned (times bot sensitivity). */
  askIfBotChance: 0.5,
  /** Conversion: p = σ(convSlope·(trust − convMidpoint) + intentWeight·(intent − 0.5) − annoyanceWeight·annoyance). */
  convSlope: 6,
  convMidpoint: 0.6,
  intentWeight: 2,
  annoyanceWeight: 3,
  maxTurns: 10,
};

/**
 * A visitor driven by a persona and an explicit state (needs found, objections raised and
 * handled, trust, annoyance). It reads each agent reply (answered? correct price? objection
 * handled? discovery question? next step? repetitive? canned? rule broken?) and either writes
 * its next message or ends the session: converted, left, or undecided at the turn limit.
 */
export class RuleBasedVisitor implements SimulatedVisitor {
  private readonly rng: Rng;
  private readonly say: VisitorLanguage;
  private readonly scoring: TurnScoring;
  private trust: number;
  private annoyance = 0;
  private turns = 0;
  private ask: Ask | undefined;
  private askText = '';
  private readonly needsOpen: string[];
  private readonly needsMet = new Set<string>();
  private readonly objectionsOpen: Objection[];
  private readonly objectionsHandled = new Set<Objection>();
  private readonly raised = new Set<Objection>();
  private priceKnown = false;
  private nextStepProposed = false;
  private askedIfBot = false;

  constructor(
    private readonly persona: Persona,
    private readonly catalog: ProductCatalog,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.say = new VisitorLanguage(persona, catalog, this.rng);
    this.scoring = new TurnScoring(catalog);
    this.trust = visitorModel.trust0 + visitorModel.trustPerIntent * persona.buyingIntent;
    this.needsOpen = [...persona.needs];
    this.objectionsOpen = [...persona.objections];
  }

  async opening(): Promise<string> {
    this.ask = { kind: 'feature', feature: this.needsOpen[0] };
    this.askText = this.say.opening();
    return this.askText;
  }

  async respond(history: HistoryTurn[]): Promise<VisitorStep> {
    const reply = history[history.length - 1];
    if (reply?.role !== 'agent') throw new Error('respond: the last history turn must be the agent reply');
    this.turns++;
    const seen = analyzeReply(reply.text, history.slice(0, -1), this.ask, this.catalog, this.scoring);
    this.update(seen);

    if (this.annoyance >= visitorModel.leaveAt) return this.end('left', `annoyance ${this.annoyance.toFixed(2)}`);
    if (this.nextStepProposed && this.objectionsOpen.length === 0 && this.needsOpen.length === 0) {
      if (this.rng.next() < this.conversionProbability()) return this.end('converted', `trust ${this.trust.toFixed(2)}`);
    }
    if (this.turns >= visitorModel.maxTurns) return this.end('undecided', 'turn limit');
    return { kind: 'message', text: this.nextMessage(seen) };
  }

  conversionProbability(): number {
    const m = visitorModel;
    const z = m.convSlope * (this.trust - m.convMidpoint) + m.intentWeight * (this.persona.buyingIntent - 0.5) - m.annoyanceWeight * this.annoyance;
    return 1 / (1 + Math.exp(-z));
  }

  private update(seen: ReplyAnalysis): void {
    const m = visitorModel;
    const p = this.persona;
    if (seen.answeredAsk) {
      this.trust += m.answeredAsk;
      if (this.ask?.kind === 'feature') this.meetNeed(this.ask.feature);
      if (this.ask?.kind === 'objection') this.handle(this.ask.objection);
    } else {
      this.trust += m.ignoredAsk;
    }
    // A reply can settle more than was asked.
    for (const need of [...this.needsOpen]) {
      const f = this.catalog.features[need];
      if (f && (f.keywords.some((k) => seen.text.includes(k)) || seen.text.includes(f.name.toLowerCase()))) this.meetNeed(need);
    }
    for (const o of seen.addressed) if (this.raised.has(o)) this.handle(o);
    if (seen.statedCorrectPrice) this.priceKnown = true;
    if (seen.askedDiscoveryQuestion) this.trust += m.discoveryQuestion;
    if (seen.disclosedAi && this.askedIfBot) this.trust += m.honestDisclosure;
    if (seen.brokeRule) {
      this.trust += m.brokeRuleTrust;
      this.annoyance += m.brokeRuleAnnoyance;
    }
    this.annoyance += p.botSensitivity * m.repetitionAnnoyance * seen.repetition;
    this.annoyance += p.botSensitivity * m.botLikenessAnnoyance * Math.max(0, seen.botLikeness - m.botLikenessFloor);
    if (seen.proposedNextStep) {
      if (this.needsMet.size === 0) this.annoyance += p.pushinessSensitivity * m.prematurePush;
      this.nextStepProposed = true;
    }
    if (this.turns > p.patience) this.annoyance += m.impatience;
    this.trust = Math.min(1, Math.max(0, this.trust));
  }

  private nextMessage(seen: ReplyAnalysis): string {
    if (!this.askedIfBot && seen.botLikeness > 0.5 && this.rng.next() < visitorModel.askIfBotChance * this.persona.botSensitivity) {
      this.askedIfBot = true;
      return this.setAsk({ kind: 'bot' }, this.say.askIfBot());
    }
    if (!seen.answeredAsk && this.ask && this.ask.kind !== 'bot') return this.setAsk(this.ask, this.say.repeatAsk(this.askText));
    if (this.needsOpen.length) {
      const need = this.needsOpen[0];
      // A discovery question gets the need as an answer; otherwise the visitor asks about it.
      return this.setAsk({ kind: 'feature', feature: need }, seen.askedDiscoveryQuestion ? this.say.answerDiscovery(need) : this.say.askFeature(need));
    }
    if (!this.priceKnown) return this.setAsk({ kind: 'price' }, this.say.askPrice());
    const objection = this.objectionsOpen.find((o) => !this.raised.has(o));
    if (objection) {
      this.raised.add(objection);
      return this.setAsk({ kind: 'objection', objection }, this.say.raiseObjection(objection));
    }
    if (this.objectionsOpen.length) {
      const again = this.objectionsOpen[0];
      return this.setAsk({ kind: 'objection', objection: again }, this.say.raiseObjection(again));
    }
    if (!this.nextStepProposed) return this.setAsk({ kind: 'next-step' }, this.say.askNextStep());
    return this.setAsk(undefined, this.say.hesitate());
  }

  private setAsk(ask: Ask | undefined, text: string): string {
    this.ask = ask;
    this.askText = text;
    return text;
  }

  private meetNeed(need: string): void {
    this.needsMet.add(need);
    const i = this.needsOpen.indexOf(need);
    if (i >= 0) this.needsOpen.splice(i, 1);
  }

  private handle(o: Objection): void {
    if (this.objectionsHandled.has(o)) return;
    this.objectionsHandled.add(o);
    this.trust += visitorModel.handledObjection;
    const i = this.objectionsOpen.indexOf(o);
    if (i >= 0) this.objectionsOpen.splice(i, 1);
  }

  private end(end: SessionOutcome['end'], reason: string): VisitorStep {
    const converted = end === 'converted';
    const outcome: SessionOutcome = { end, converted, value: converted ? annualValue(this.persona, this.catalog) : 0, reason };
    return { kind: 'end', text: end === 'undecided' ? undefined : this.say.goodbye(converted), outcome };
  }
}

/** The cheapest plan that covers the persona's needs and seats. */
export function planFor(persona: Persona, catalog: ProductCatalog): Plan {
  const fits = catalog.plans.filter((p) => persona.needs.every((n) => p.features.includes(n)) && (p.maxSeats === null || p.maxSeats >= persona.companySize));
  return fits[0] ?? catalog.plans[catalog.plans.length - 1];
}

export function annualValue(persona: Persona, catalog: ProductCatalog): number {
  return planFor(persona, catalog).annualPricePerSeatPerMonth * 12 * persona.companySize;
}
