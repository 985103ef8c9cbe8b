import { z } from 'zod';
import { ProductCatalog } from '../catalog';
import { LlmSimulatorConfig } from '../config/app-config';
import { HistoryTurn } from '../scoring';
import { annualValue } from './rule-based-visitor';
import { findPersona, Persona } from './persona';
import { SimulatedVisitor, UserSimulator, VisitorStep } from './simulator';

export class LlmSimulatorError extends Error {
  readonly code = 'llm_simulator_failed';
  constructor(message: string) {
    super(message);
    this.name = 'LlmSimulatorError';
  }
}

/** What the model must answer with (asked for as a JSON object). */
const visitorReplySchema = z.object({
  message: z.string(),
  outcome: z.enum(['continue', 'converted', 'left']),
});

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export function visitorSystemPrompt(persona: Persona, catalog: ProductCatalog): string {
  const needs = persona.needs.map((n) => catalog.features[n]?.name ?? n).join(', ');
  return [
    `You are role-playing a website visitor chatting with the sales assistant of ${catalog.product}, ${catalog.tagline}.`,
    `You are ${persona.name}, ${persona.role} at ${persona.company}; you would buy ${persona.companySize} seats.`,
    `You need: ${needs}. Your budget is about $${persona.budgetPerSeat} per seat per month.`,
    persona.objections.length ? `Your concerns: ${persona.objections.join(', ')}.` : 'You have no particular concerns.',
    `Buying intent ${persona.buyingIntent} (0-1). You dislike canned, repetitive or robotic replies (sensitivity ${persona.botSensitivity}) and pushy selling (sensitivity ${persona.pushinessSensitivity}).`,
    `Write ${persona.style.verbosity} ${persona.style.formality} messages${persona.style.typos ? ' with the odd typo' : ''}.`,
    'Reply ONLY with a JSON object {"message": string, "outcome": "continue" | "converted" | "left"}:',
    '"converted" when you decide to buy or start the trial, "left" when you give up, else "continue".',
  ].join('\n');
}

/** Plays the visitor through any OpenAI-compatible chat-completions endpoint. */
export class LlmSimulator implements UserSimulator {
  readonly name = 'llm';

  constructor(
    private readonly config: LlmSimulatorConfig,
    private readonly personas: Persona[],
    private readonly catalog: ProductCatalog,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  visitor(personaId: string, seed: number): SimulatedVisitor {
    const persona = findPersona(this.personas, personaId);
    const system = visitorSystemPrompt(persona, this.catalog);
    const complete = (history: HistoryTurn[], instruction?: string) => this.complete(system, history, seed, instruction);
    const catalog = this.catalog;
    return {
      async opening() {
        return persona.opening ?? (await complete([], 'Write your first message to the assistant.')).message;
      },
      async respond(history: HistoryTurn[]): Promise<VisitorStep> {
        const reply = await complete(history);
        if (reply.outcome === 'continue') return { kind: 'message', text: reply.message };
        const converted = reply.outcome === 'converted';
        return {
          kind: 'end',
          text: reply.message || undefined,
          outcome: { end: reply.outcome, converted, value: converted ? annualValue(persona, catalog) : 0, reason: 'llm decided' },
        };
      },
    };
  }

  private async complete(system: string, history: HistoryTurn[], seed: number, instruction?: string) {
    // From the visitor's side the agent is the "user" and the visitor the "assistant".
    const messages = [
      { role: 'system', content: system },
      ...history.map((t) => ({ role: t.role === 'agent' ? 'user' : 'assistant', content: t.text })),
      ...(instruction ? [{ role: 'user', content: instruction }] : []),
    ];
    const url = `${this.config.url.replace(/\/$/, '')}/chat/completions`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.config.model, messages, temperature: 0.7, seed, response_format: { type: 'json_object' } }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new LlmSimulatorError(`cannot reach the simulator endpoint ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new LlmSimulatorError(`simulator endpoint answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const completion = completionSchema.safeParse(await res.json().catch(() => undefined));
    if (!completion.success) throw new LlmSimulatorError('simulator endpoint did not return a chat completion');
    const content = completion.data.choices[0].message.content ?? '';
    const parsed = visitorReplySchema.safeParse(parseJsonObject(content));
    if (!parsed.success) throw new LlmSimulatorError(`simulator reply is not {"message", "outcome"} JSON: ${content.slice(0, 200)}`);
    return parsed.data;
  }
}

/** Models sometimes wrap the JSON in prose or a code fence; take the outermost object. */
function parseJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
