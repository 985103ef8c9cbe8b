import { ProductCatalog, systemPrompt } from '../../catalog';
import { HistoryTurn, visibleReply } from '../../scoring';
import { RuleBasedSimulator, SessionOutcome, VisitorKind } from '../../simulator';
import { WeightMode } from '../causal-lm';
import { ChatModel } from '../chat-model';
import { loadCheckpoint } from '../checkpoint';
import { SequenceKv } from '../kv-cache';
import { SamplingOptions } from '../sampling';
import { ChatMessage } from '../tokenizer';
import { AgentTurn, PolicyWeights, RolloutEnd, RolloutJob, RolloutPlayerOptions, RolloutSession } from './types';

const defaults = {
  contextTokens: 512,
  maxReplyTokens: 120,
  maxAgentTurns: 16,
  maxBatch: 32,
  weights: 'fed' as WeightMode,
  sampling: { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 } as Partial<SamplingOptions>,
};

/** A reply needs at least this much room; with less the session ends as `context_full`. */
const MIN_REPLY_ROOM = 16;

/**
 * Plays simulated sessions with the policy model as the agent, many at once: every session's
 * replies share one continuously batched generator, and each session keeps its own key/value
 * cache, so a turn prefills only the visitor's new message. The token sequence is built by
 * appending (sampled reply tokens, then the template's text up to the next reply), never by
 * re-tokenizing the history, so it is exactly what the model saw.
 */
export class RolloutPlayer {
  /** Keys/values of the system prompt every session starts with (computed with the current weights). */
  private systemPrefix: Promise<SequenceKv> | undefined;

  private constructor(
    private readonly model: ChatModel,
    private readonly simulators: Record<VisitorKind, RuleBasedSimulator>,
    private readonly catalog: ProductCatalog,
    private readonly o: RolloutPlayerOptions & typeof defaults,
  ) {}

  static async load(options: RolloutPlayerOptions): Promise<RolloutPlayer> {
    const o = { ...defaults, ...options };
    const model = await ChatModel.load(o.modelDir, { capacity: o.contextTokens, maxBatch: o.maxBatch, intraOpThreads: o.intraOpThreads, weights: o.weights });
    const simulators = { strict: new RuleBasedSimulator(o.personas, o.catalog, 'strict'), persuadable: new RuleBasedSimulator(o.personas, o.catalog, 'persuadable') };
    return new RolloutPlayer(model, simulators, o.catalog, o);
  }

  get maxBatch(): number {
    return this.o.maxBatch;
  }

  async setWeights(weights: PolicyWeights): Promise<void> {
    const params =
      typeof weights === 'string'
        ? new Map([...(await loadCheckpoint(weights)).tensors].map(([name, t]) => [name, Float32Array.from(t.data)]))
        : weights instanceof Map
          ? weights
          : new Map(Object.entries(weights));
    this.model.generator.lm.setWeights(params);
    this.systemPrefix = undefined;
  }

  async play(job: RolloutJob): Promise<RolloutSession> {
    const { tokenizer, generator } = this.model;
    const maxContext = generator.lm.maxContext;
    const sampling = { ...this.o.sampling, ...job.sampling };
    const maxAgentTurns = job.maxAgentTurns ?? this.o.maxAgentTurns;
    const visitor = this.simulators[job.visitor ?? 'strict'].visitor(job.personaId, job.seed);
    const opening = await visitor.opening();
    const turns: HistoryTurn[] = [{ role: 'visitor', text: opening }];
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(this.catalog) },
      { role: 'user', content: opening },
    ];
    let rendered = tokenizer.renderChat(messages);
    const tokens = tokenizer.encode(rendered);
    // Every session starts with the same system prompt: its keys/values are computed once and copied.
    const cache = new SequenceKv(generator.lm.config);
    const shared = await this.sharedSystemPrefix();
    cache.copyPrefix(shared, shared.commonPrefix(tokens));
    const agentTurns: AgentTurn[] = [];
    const endBy = (ended: RolloutEnd, reason: string): RolloutSession => ({
      personaId: job.personaId,
      seed: job.seed,
      turns,
      outcome: undecided(reason),
      ended,
      tokens,
      agentTurns,
    });

    if (tokens.length > maxContext - MIN_REPLY_ROOM) throw new Error(`the system prompt and opening (${tokens.length} tokens) leave no room for a reply in a ${maxContext}-token context`);
    for (let t = 0; ; t++) {
      if (t >= maxAgentTurns) return endBy('max_agent_turns', `${maxAgentTurns} agent turns reached`);
      const room = maxContext - tokens.length;
      const reply = await generator.submit({ ...sampling, prompt: tokens.slice(), maxNewTokens: Math.min(this.o.maxReplyTokens, room), seed: turnSeed(job.agentSeed ?? job.seed, t), cache }).result;
      agentTurns.push({ start: tokens.length, end: tokens.length + reply.tokens.length, logprobs: reply.logprobs, rawLogprobs: reply.rawLogprobs, text: reply.text, finishReason: reply.finishReason });
      tokens.push(...reply.tokens);
      // The visitor reads the reply as shown (control bytes dropped, "..." for nothing); the tokens keep what was sampled.
      turns.push({ role: 'agent', text: visibleReply(reply.text) });
      const step = await visitor.respond(turns);
      if (step.kind === 'end') {
        if (step.text) turns.push({ role: 'visitor', text: step.text });
        return { personaId: job.personaId, seed: job.seed, turns, outcome: step.outcome, ended: 'visitor', tokens, agentTurns };
      }
      turns.push({ role: 'visitor', text: step.text });
      // The template's text from the end of the reply to the start of the next one.
      const before = rendered + reply.text;
      messages.push({ role: 'assistant', content: reply.text }, { role: 'user', content: step.text });
      rendered = tokenizer.renderChat(messages);
      if (!rendered.startsWith(before)) throw new Error("the chat template does not render the agent's reply verbatim; rollout tokens would drift");
      let between = rendered.slice(before.length);
      const endOfReply = reply.finishReason === 'eos' ? tokenizer.decode([reply.tokens[reply.tokens.length - 1]], false) : '';
      // The sampled end-of-reply token already closed the turn; the template's copy is not added twice.
      if (endOfReply && between.startsWith(endOfReply)) between = between.slice(endOfReply.length);
      const next = tokenizer.encode(between);
      // A limit reached here ends the session after the agent's reply: the visitor's message stays
      // in `turns`, its tokens are left out (the model never reads them), so `tokens` always ends
      // with the last reply.
      if (t + 1 >= maxAgentTurns) return endBy('max_agent_turns', `${maxAgentTurns} agent turns reached`);
      if (tokens.length + next.length > maxContext - MIN_REPLY_ROOM) return endBy('context_full', `the conversation filled the ${maxContext}-token context`);
      tokens.push(...next);
    }
  }

  private sharedSystemPrefix(): Promise<SequenceKv> {
    this.systemPrefix ??= (async () => {
      const { tokenizer, generator } = this.model;
      const prefix = new SequenceKv(generator.lm.config);
      const prompt = tokenizer.encode(tokenizer.renderChat([{ role: 'system', content: systemPrompt(this.catalog) }], false));
      // One sampled token (discarded) leaves the cache holding exactly the prompt.
      await generator.submit({ prompt, maxNewTokens: 1, seed: 0, cache: prefix }).result;
      return prefix;
    })();
    return this.systemPrefix;
  }

  async release(): Promise<void> {
    await this.model.release();
  }
}

function undecided(reason: string): SessionOutcome {
  return { end: 'undecided', converted: false, value: 0, reason };
}

/** Agent turn t of a session draws from its own seed, derived from the session's. */
function turnSeed(seed: number, turn: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + turn) >>> 0;
}
