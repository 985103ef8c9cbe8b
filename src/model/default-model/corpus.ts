import { ProductCatalog, systemPrompt } from '../../catalog';
import { Rng } from '../../engine';
import { FlawRates, flawedSalespersonAgent, Persona, RuleBasedSimulator, runSession } from '../../simulator';
import { ChatMessage } from '../tokenizer';

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

/**
 * Sales dialogues written by playing the scripted salesperson against the rule-based visitor
 * (every persona in turn), with flaws injected into a share of the agent turns.
 */
export async function generateCorpus(o: CorpusOptions): Promise<CorpusDialogue[]> {
  const rng = new Rng(o.seed);
  const simulator = new RuleBasedSimulator(o.personas, o.catalog);
  const dialogues: CorpusDialogue[] = [];
  for (let i = 0; i < o.dialogues; i++) {
    const persona = o.personas[i % o.personas.length];
    const seed = (o.seed * 7919 + i) >>> 0;
    const injected: CorpusDialogue['flaws'] = [];
    // A reply's position in `messages` is its history length + 1 (the system prompt comes first).
    const flawed = flawedSalespersonAgent(o.catalog, seed, { rng, flaws: o.flaws, onFlaw: (at, flaw) => injected.push({ index: at + 1, flaw }) });
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
