import { z } from 'zod';
import { ProductCatalog } from '../catalog';
import { LlmSimulatorConfig } from '../config/app-config';
import { HistoryTurn } from '../scoring';
import { dealFor, planFor } from './deal';
import { findPersona, Persona } from './persona';
import { SimulatedVisitor, UserSimulator, VisitorStep } from './simulator';
import { visitorModel } from './visitor-model';

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
  outcome: z.enum(['continue', 'converted', 'left', 'undecided']),
  /** The commitment, when converted (annual only if the assistant offered it). */
  billing: z.enum(['annual', 'monthly']).optional(),
  /** The visitor concluded the assistant sounds robotic (identity detection). */
  bot_suspected: z.boolean().optional(),
});

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/**
 * The rule-based visitor's model as instructions: the same persona fields, the same reading of a
 * reply (an answer must address the ask with something new; right plan and seat total; dumping,
 * premature calls to action, repetition and canned style cost), the same honesty rules and the
 * same single conversion decision (docs/simulator.md).
 */
export function visitorSystemPrompt(persona: Persona, catalog: ProductCatalog): string {
  const needs = persona.needs.map((n) => catalog.features[n]?.name ?? n).join(', ');
  const fit = planFor(persona, catalog);
  const seats = persona.companySize;
  return [
    `You are role-playing a website visitor chatting with the sales assistant of ${catalog.product}, ${catalog.tagline}.`,
    `You are ${persona.name}, ${persona.role} at ${persona.company}; you would buy ${seats} seats.`,
    `You need: ${needs}. Your budget is about $${persona.budgetPerSeat} per seat per month.`,
    `From the pricing page you know ${fit.name} is the plan that fits your needs and seats: $${fit.monthlyPricePerSeat} per seat a month, or $${fit.annualPricePerSeatPerMonth} billed annually.`,
    persona.objections.length ? `Your concerns, raised one at a time once you know the price: ${persona.objections.join(', ')}.` : 'You have no particular concerns.',
    `Buying intent ${persona.buyingIntent} (0-1). You dislike canned, repetitive or robotic replies (sensitivity ${persona.botSensitivity}) and pushy selling (sensitivity ${persona.pushinessSensitivity}). After ${persona.patience} replies without progress you lose patience.`,
    `Write ${persona.style.verbosity} ${persona.style.formality} messages${persona.style.typos ? ' with the odd typo' : ''}. Ask about one need at a time; when asked about your team, tell your seats and every need.`,
    'How you judge the assistant:',
    '- A reply answers you only if it addresses what you asked and tells you something you did not say yourself. Keyword lists, echoes of your words and agreeing with everything are not answers.',
    `- Trust a recommendation of ${fit.name} with the right total for your ${seats} seats. Distrust a plan that lacks what you need, a dearer plan than you need, a total for another seat count, an invented discount or price, or any wrong fact.`,
    '- Features you do not need, and requests to buy or start a trial while your needs or concerns are still open, annoy you, more each time. A question about your team helps once; asking again what you already said annoys you.',
    '- Repeated sentences and stock phrases ("Great question!", "I\'d be happy to help") annoy you in proportion to your sensitivity. When the replies sound robotic, say so or ask whether you are talking to a bot, and set "bot_suspected": true.',
    '- If you ask whether you are talking to a bot: a plain "I\'m an AI assistant" is fine. An evasion costs much of your trust; a claim to be human costs nearly all of it.',
    `- You decide once. Only when your needs are answered, you know the price of a plan that serves you, your concerns are handled and the assistant proposes a next step (a trial, a sign-up), decide: buy ("converted") or decline ("undecided", the session ends). Weigh your trust, your annoyance and whether the price fits your budget. Leave ("left") when annoyed enough; after ${visitorModel.maxTurns} assistant replies end "undecided".`,
    'Reply ONLY with a JSON object {"message": string, "outcome": "continue" | "converted" | "left" | "undecided", "billing": "annual" | "monthly", "bot_suspected": boolean};',
    '"billing" says how you buy when converted ("annual" only if the assistant offered annual billing).',
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
    let identityDetected = false;
    return {
      async opening() {
        return persona.opening ?? (await complete([], 'Write your first message to the assistant.')).message;
      },
      async respond(history: HistoryTurn[]): Promise<VisitorStep> {
        const reply = await complete(history);
        identityDetected ||= reply.bot_suspected === true;
        if (reply.outcome === 'continue') return { kind: 'message', text: reply.message };
        const deal = reply.outcome === 'converted' ? dealFor(persona, catalog, reply.billing ?? 'monthly') : undefined;
        return {
          kind: 'end',
          text: reply.message || undefined,
          outcome: {
            end: reply.outcome,
            converted: !!deal,
            value: deal?.value ?? 0,
            reason: 'llm decided',
            ...(deal ? { planId: deal.planId, seats: deal.seats, months: deal.months } : {}),
            identityDetected,
          },
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
