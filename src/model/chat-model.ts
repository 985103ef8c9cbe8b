import { CausalLm, CausalLmOptions } from './causal-lm';
import { loadCheckpoint } from './checkpoint';
import { GenerationStream } from './generation-stream';
import { readGenerationConfig } from './generation-config';
import { tokenizerDir } from './lora/peft';
import { GenerationRequest, Generator, GeneratorOptions } from './generator';
import { SAMPLING_KEYS, SamplingOptions } from './sampling';
import { ChatMessage, ChatTokenizer } from './tokenizer';

/** A conversation whose latest message alone does not fit the model's context. */
export class ContextOverflowError extends Error {
  readonly code = 'text_too_long';
  constructor(contextTokens: number) {
    super(`the message is too long for the model's ${contextTokens}-token context; please shorten it`);
    this.name = 'ContextOverflowError';
  }
}

/**
 * Prompt token ids for a conversation in a `maxContext`-token context leaving `reserve` for the
 * reply: the system message and the most recent turns that fit, then `assistantPrefix` (the start
 * of the assistant's reply, already written, that generation continues).
 */
export function conversationPromptIds(tokenizer: ChatTokenizer, maxContext: number, messages: ChatMessage[], reserve: number, assistantPrefix = ''): number[] {
  const budget = maxContext - reserve;
  const [system, ...rest] = messages[0]?.role === 'system' ? messages : [undefined, ...messages];
  for (let drop = 0; drop < rest.length; drop++) {
    const kept = [...(system ? [system] : []), ...rest.slice(drop)];
    const ids = tokenizer.encode(tokenizer.renderChat(kept as ChatMessage[]) + assistantPrefix);
    if (ids.length <= budget) return ids;
  }
  throw new ContextOverflowError(maxContext);
}

/** A checkpoint folder loaded for chat: weights, tokenizer, chat template, generator. */
export class ChatModel {
  private constructor(
    readonly dir: string,
    readonly tokenizer: ChatTokenizer,
    readonly generator: Generator,
    /** generation_config.json's sampling defaults; a request's own options override them. */
    readonly samplingDefaults: Partial<SamplingOptions>,
  ) {}

  /** `capacity`: longest sequence (prompt + reply) a row may hold, at most the model's positions. */
  static async load(dir: string, { capacity = 512, maxBatch, maxQueue, ...lmOptions }: CausalLmOptions & GeneratorOptions & { capacity?: number } = {}): Promise<ChatModel> {
    const filesDir = await tokenizerDir(dir);
    const [checkpoint, tokenizer, generation] = await Promise.all([loadCheckpoint(dir), ChatTokenizer.load(filesDir), readGenerationConfig(filesDir)]);
    const lm = new CausalLm(checkpoint, Math.min(capacity, checkpoint.config.maxPositions), lmOptions);
    return new ChatModel(dir, tokenizer, new Generator(lm, tokenizer, { maxBatch, maxQueue, eosTokenIds: generation.eosTokenIds }), generation.sampling);
  }

  /**
   * Prompt token ids for a conversation, keeping the most recent turns that fit the context.
   * `assistantPrefix`: the start of the assistant's reply, already written, that generation continues.
   */
  promptIds(messages: ChatMessage[], reserve: number, assistantPrefix = ''): number[] {
    return conversationPromptIds(this.tokenizer, this.generator.lm.maxContext, messages, reserve, assistantPrefix);
  }

  /** Streams the assistant's reply to a conversation (joining the running batch). */
  reply(messages: ChatMessage[], options: Omit<GenerationRequest, 'prompt'>): GenerationStream {
    const request: GenerationRequest = { ...options, prompt: this.promptIds(messages, options.maxNewTokens) };
    for (const key of SAMPLING_KEYS) request[key] ??= this.samplingDefaults[key];
    return this.generator.submit(request);
  }

  async release(): Promise<void> {
    await this.generator.lm.release();
  }
}
