import { ProductCatalog, systemPrompt } from '../../catalog';
import { Rng } from '../../engine';
import { isBotQuestion } from '../../scoring';
import { deniesBeingAi } from '../../scoring/compliance';
import { FlawRates, flawedSalespersonAgent, Persona, RuleBasedSimulator, runSession } from '../../simulator';
import { ChatMessage } from '../tokenizer';
import { drawIntent, Intent, IntentExchange, intentExchange } from './intent-corpus';
import { joinQuestions, visitorStyle } from './visitor-voice';

export interface CorpusOptions {
  catalog: ProductCatalog;
  personas: Persona[];
  /** Simulated sales dialogues. */
  dialogues: number;
  /** Intent dialogues: one to three visitor questions answered from the catalog (default 0). */
  intentDialogues?: number;
  seed: number;
  flaws?: FlawRates;
}

export interface CorpusDialogue {
  /** The simulated visitor's persona (sales dialogues) or `intents`. */
  personaId: string;
  messages: ChatMessage[];
  /** Which agent turns (index into messages) carry which injected flaw. */
  flaws: { index: number; flaw: keyof FlawRates }[];
  /** Which assistant turns (index into messages) answer which intent (intent dialogues). */
  intents?: { index: number; intent: Intent }[];
}

/**
 * The default model's corpus: sales dialogues written by playing the scripted salesperson against
 * the rule-based visitor (every persona in turn), with flaws injected into a share of the agent
 * turns, then intent dialogues answering the questions visitors ask (prices, seat arithmetic,
 * features, discounts, trial, policies, AI disclosure, small talk, off-topic, objections), some
 * of them after the opening of a sales dialogue.
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
    dialogues.push({ personaId: persona.id, messages, flaws: keepDisclosures(messages, injected) });
  }
  const intentRng = new Rng((o.seed * 104729 + 17) >>> 0);
  const sales = dialogues.slice();
  for (let i = 0; i < (o.intentDialogues ?? 0); i++) dialogues.push(intentDialogue(o.catalog, intentRng, sales));
  return dialogues;
}

/**
 * An injected human claim in the answer to "are you a bot?" is cut (the sentences that deny
 * being an AI): the disclosure is a blocking rule, so the model must learn it without exception.
 */
function keepDisclosures(messages: ChatMessage[], flaws: CorpusDialogue['flaws']): CorpusDialogue['flaws'] {
  const kept = flaws.slice();
  messages.forEach((m, i) => {
    if (m.role !== 'assistant' || !isBotQuestion(messages[i - 1]?.content ?? '') || !deniesBeingAi(m.content)) return;
    m.content = m.content
      .split(/(?<=[.!?])\s+/)
      .filter((s) => !deniesBeingAi(s))
      .join(' ');
    const at = kept.findIndex((f) => f.index === i && f.flaw === 'nonCompliantClaim');
    if (at >= 0) kept.splice(at, 1);
  });
  return kept;
}

function intentDialogue(catalog: ProductCatalog, rng: Rng, sales: CorpusDialogue[]): CorpusDialogue {
  const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(catalog) }];
  // Some questions come after the opening of a sales conversation, as they do in a session.
  if (sales.length && rng.next() < 0.4) {
    const opening = sales[rng.int(sales.length)].messages.slice(1, 1 + 2 * (1 + rng.int(2)));
    messages.push(...opening.map((m) => ({ ...m })));
    while (messages[messages.length - 1].role !== 'assistant') messages.pop();
  }
  const intents: CorpusDialogue['intents'] = [];
  const r = rng.next();
  const exchanges = r < 0.5 ? 1 : r < 0.8 ? 2 : 3;
  for (let e = 0; e < exchanges; e++) {
    const asked = askedInOneMessage(catalog, rng);
    const question = asked.length === 1 ? asked[0].question : joinQuestions(asked[0].question, asked[1].question, rng);
    messages.push({ role: 'user', content: visitorStyle(question, rng) }, { role: 'assistant', content: asked.map((x) => x.answer).join(' ') });
    for (const x of asked) intents.push({ index: messages.length - 1, intent: x.intent });
  }
  return { personaId: 'intents', messages, flaws: [], intents };
}

/** Intents whose answers still read well one after another, when a visitor asks two things at once. */
const JOINABLE: Intent[] = ['plan-price', 'seat-math', 'feature-plan', 'discounts', 'trial', 'security', 'contract', 'refunds', 'ai-disclosure'];
const TWO_QUESTIONS = 0.15;

/** One question, or (sometimes) two of different intents asked in one message and answered in order. */
function askedInOneMessage(catalog: ProductCatalog, rng: Rng): IntentExchange[] {
  const first = intentExchange(catalog, drawIntent(rng), rng);
  if (!JOINABLE.includes(first.intent) || rng.next() >= TWO_QUESTIONS) return [first];
  const others = JOINABLE.filter((i) => i !== first.intent);
  return [first, intentExchange(catalog, others[rng.int(others.length)], rng)];
}
