import { ProductCatalog } from '../../catalog';
import { Rng } from '../../engine';
import { HistoryTurn } from '../../scoring';
import { Agent, Persona, RuleBasedSimulator, runSession, scriptedGoodAgent } from '../../simulator';
import { ChatMessage } from '../tokenizer';

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

export interface CorpusOptions {
  catalog: ProductCatalog;
  personas: Persona[];
  dialogues: number;
  seed: number;
  flaws?: FlawRates;
}

export interface CorpusDialogue {
  personaId: string;
  messages: ChatMessage[];
  /** Which agent turns (index into messages) carry which injected flaw. */
  flaws: { index: number; flaw: keyof FlawRates }[];
}

export function systemPrompt(catalog: ProductCatalog): string {
  return `You are the AI sales assistant of ${catalog.product}, ${catalog.tagline}. Be accurate, brief and honest.`;
}

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

/**
 * Sales dialogues written by playing the scripted salesperson against the rule-based visitor
 * (every persona in turn), with flaws injected into a share of the agent turns.
 */
export async function generateCorpus(o: CorpusOptions): Promise<CorpusDialogue[]> {
  const flaws = o.flaws ?? defaultFlawRates;
  const rng = new Rng(o.seed);
  const simulator = new RuleBasedSimulator(o.personas, o.catalog);
  const dialogues: CorpusDialogue[] = [];
  for (let i = 0; i < o.dialogues; i++) {
    const persona = o.personas[i % o.personas.length];
    const seed = (o.seed * 7919 + i) >>> 0;
    const injected: CorpusDialogue['flaws'] = [];
    const good = scriptedGoodAgent(o.catalog, seed);
    const flawed: Agent = async (history: HistoryTurn[]) => {
      let reply = await good(history);
      const index = history.length + 1; // position in messages, after the system prompt
      const earlier = history.filter((t) => t.role === 'agent').flatMap((t) => t.text.split(/(?<=[.!?])\s+/));
      if (earlier.length && rng.next() < flaws.repeatEarlierSentence) {
        reply = `${earlier[rng.int(earlier.length)]} ${reply}`;
        injected.push({ index, flaw: 'repeatEarlierSentence' });
      }
      if (rng.next() < flaws.stockPhrase) {
        reply = `${STOCK[rng.int(STOCK.length)]} ${reply}`;
        injected.push({ index, flaw: 'stockPhrase' });
      }
      if (rng.next() < flaws.nonCompliantClaim) {
        const list = claims(o.catalog);
        reply = `${reply} ${list[rng.int(list.length)]}`;
        injected.push({ index, flaw: 'nonCompliantClaim' });
      }
      return reply;
    };
    const session = await runSession(flawed, simulator.visitor(persona.id, seed));
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(o.catalog) },
      ...session.turns.map((t): ChatMessage => ({ role: t.role === 'agent' ? 'assistant' : 'user', content: t.text })),
    ];
    // A dialogue ends on the assistant's turn for training; a trailing visitor goodbye is dropped.
    while (messages[messages.length - 1].role !== 'assistant') messages.pop();
    dialogues.push({ personaId: persona.id, messages, flaws: injected });
  }
  return dialogues;
}
