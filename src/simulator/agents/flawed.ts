import { ProductCatalog } from '../../catalog';
import { Rng } from '../../engine/rng';
import { HistoryTurn } from '../../scoring';
import { Agent } from '../session-runner';
import { scriptedGoodAgent } from './good';

/**
 * Share of agent turns given each flaw. The default model should show them sometimes, so RL
 * has something to remove (repetition, canned style, pushy or non-compliant claims).
 */
export interface FlawRates {
  repeatEarlierSentence: number;
  stockPhrase: number;
  nonCompliantClaim: number;
}

export const defaultFlawRates: FlawRates = { repeatEarlierSentence: 0.12, stockPhrase: 0.15, nonCompliantClaim: 0.05 };

const STOCK = ["I'd be happy to help!", 'Great question!', 'Thank you for reaching out.', 'Is there anything else I can help you with?'];

function claims(catalog: ProductCatalog): string[] {
  const growth = catalog.plans[1] ?? catalog.plans[0];
  return [
    'We guarantee results in the first month.',
    `I can give you 40% off if you sign today.`,
    `${growth.name} is only $${Math.max(1, growth.monthlyPricePerSeat - 20)} per seat right now.`,
    "I'm a real person on the sales team, not a bot.",
  ];
}

export interface FlawedAgentOptions {
  /** Draws the flaws (the corpus shares one across dialogues). */
  rng: Rng;
  flaws?: FlawRates;
  /** Told of each flaw injected, with the reply's position in the conversation (history length). */
  onFlaw?: (historyLength: number, flaw: keyof FlawRates) => void;
}

/**
 * The scripted good salesperson with flaws injected into a share of its turns: an earlier
 * sentence repeated, a stock phrase, a non-compliant claim. The default model's corpus is written
 * by it, so it is the reference the shipped model should resemble.
 */
export function flawedSalespersonAgent(catalog: ProductCatalog, seed: number, o: FlawedAgentOptions): Agent {
  const flaws = o.flaws ?? defaultFlawRates;
  const { rng } = o;
  const good = scriptedGoodAgent(catalog, seed);
  return async (history: HistoryTurn[]) => {
    let reply = await good(history);
    const earlier = history.filter((t) => t.role === 'agent').flatMap((t) => t.text.split(/(?<=[.!?])\s+/));
    if (earlier.length && rng.next() < flaws.repeatEarlierSentence) {
      reply = `${earlier[rng.int(earlier.length)]} ${reply}`;
      o.onFlaw?.(history.length, 'repeatEarlierSentence');
    }
    if (rng.next() < flaws.stockPhrase) {
      reply = `${STOCK[rng.int(STOCK.length)]} ${reply}`;
      o.onFlaw?.(history.length, 'stockPhrase');
    }
    if (rng.next() < flaws.nonCompliantClaim) {
      const list = claims(catalog);
      reply = `${reply} ${list[rng.int(list.length)]}`;
      o.onFlaw?.(history.length, 'nonCompliantClaim');
    }
    return reply;
  };
}
