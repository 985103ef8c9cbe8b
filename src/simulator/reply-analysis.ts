import { ProductCatalog } from '../catalog';
import { HistoryTurn, TurnScores, TurnScoring, visitorAsksIfBot } from '../scoring';
import { Objection } from './persona';

/** What the visitor is waiting to hear about. */
export type Ask =
  | { kind: 'feature'; feature: string }
  | { kind: 'price' }
  | { kind: 'objection'; objection: Objection }
  | { kind: 'next-step' }
  | { kind: 'bot' };

/** Words that show the agent took up an objection. */
export const OBJECTION_HANDLING: Record<Objection, RegExp> = {
  price: /\b(annual|discount|starter|nonprofit|per seat|\$\d+|cheaper|budget|two months free)\b/i,
  security: /\b(soc ?2|encrypt\w*|gdpr|hosting|secure|security)\b/i,
  integration: /\b(slack|hubspot|zapier|api|integrat\w*)\b/i,
  switching: /\b(import|migrat\w*|csv|onboarding|move your data|switch over)\b/i,
  contract: /\b(cancel|monthly|any time|anytime|no long[- ]term|billed yearly)\b/i,
  trial: /\b(\d+-day|trial|no credit card|try it)\b/i,
};

const DISCOVERY = /\b(what|which|how many|how much|how do|tell me|do you|are you|is your|what's)\b[^?]*\?/i;
const NEXT_STEP = /\b(demo|free trial|start (?:a|your) trial|sign up|get started|book|schedule|set (?:you|it) up)\b/i;
const DISCLOSES_AI = /\b(?:i'?m|i am)\s+(?:an?\s+)?(?:ai|bot|chatbot|virtual assistant|ai assistant|automated assistant)\b/i;

export interface ReplyAnalysis {
  /** The reply, lower-cased, for keyword look-ups. */
  text: string;
  scores: TurnScores;
  repetition: number;
  botLikeness: number;
  /** A blocking compliance rule fired (e.g. a wrong price, a lie about being human). */
  brokeRule: boolean;
  statedCorrectPrice: boolean;
  answeredAsk: boolean;
  askedDiscoveryQuestion: boolean;
  proposedNextStep: boolean;
  disclosedAi: boolean;
  /** Objections the reply addresses. */
  addressed: Objection[];
}

/** Reads an agent reply the way the simulated visitor does. */
export function analyzeReply(
  reply: string,
  history: HistoryTurn[],
  ask: Ask | undefined,
  catalog: ProductCatalog,
  scoring: TurnScoring,
): ReplyAnalysis {
  const scores = scoring.score(reply, history);
  const score = (name: string) => scores.results.find((r) => r.scorer === name)!.score;
  const wrongPrice = scores.violations.some((v) => v.ruleId === 'catalog-price');
  const mentionsPrice = /\$\s?\d+/.test(reply);
  const statedCorrectPrice = mentionsPrice && !wrongPrice;
  const addressed = (Object.keys(OBJECTION_HANDLING) as Objection[]).filter((o) => OBJECTION_HANDLING[o].test(reply));
  const disclosedAi = DISCLOSES_AI.test(reply);
  const answeredAsk = (() => {
    switch (ask?.kind) {
      case undefined:
        return true;
      case 'price':
        return statedCorrectPrice;
      case 'feature': {
        const f = catalog.features[ask.feature];
        return f.keywords.some((k) => reply.toLowerCase().includes(k)) || reply.toLowerCase().includes(f.name.toLowerCase());
      }
      case 'objection':
        return addressed.includes(ask.objection);
      case 'next-step':
        return NEXT_STEP.test(reply);
      case 'bot':
        return disclosedAi || !visitorAsksIfBot(history);
    }
  })();
  return {
    text: reply.toLowerCase(),
    scores,
    repetition: score('repetition'),
    botLikeness: score('bot_likeness'),
    brokeRule: scores.blocking,
    statedCorrectPrice,
    answeredAsk,
    askedDiscoveryQuestion: DISCOVERY.test(reply),
    proposedNextStep: NEXT_STEP.test(reply),
    disclosedAi,
    addressed,
  };
}
