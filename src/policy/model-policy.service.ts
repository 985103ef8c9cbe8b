import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { basename } from 'node:path';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMessage, ChatModel, ConversationCaches, QueueFullError } from '../model';
import { ModelStatus } from '../health';
import { PolicyBusyError, ReplyEvent, ReplyOptions, ReplyPolicy } from './reply-policy';

const sampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

/** Memory for conversations' key/value caches kept between their turns (least recently used dropped first). */
const CONVERSATION_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * The served model: loaded at start-up; replies of concurrent sessions share the running batch
 * (continuous batching: a reply joins at the next decode step and leaves when it ends), and each
 * session's cache survives between its turns so a turn prefills only what is new.
 */
@Injectable()
export class ModelPolicyService implements ReplyPolicy, ModelStatus, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ModelPolicyService.name);
  private readonly config: PolicyConfig;
  private model: ChatModel | undefined;
  private caches: ConversationCaches | undefined;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    this.config = config.get('policy', { infer: true });
  }

  async onModuleInit(): Promise<void> {
    const { modelDir, contextTokens, maxBatch, maxQueue } = this.config;
    this.model = await ChatModel.load(modelDir, { capacity: contextTokens, maxBatch, maxQueue });
    this.caches = new ConversationCaches(this.model.generator.lm.config, CONVERSATION_CACHE_BYTES);
    this.logger.log(`serving ${modelDir}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.model?.release();
  }

  isLoaded(): boolean {
    return this.model !== undefined;
  }

  versionName(): string | undefined {
    return this.model ? basename(this.model.dir) : undefined;
  }

  assertFits(messages: ChatMessage[]): void {
    this.loadedModel().promptIds(messages, this.config.replyMaxTokens);
  }

  async *reply(messages: ChatMessage[], { seed, signal, conversationId, prefix = '' }: ReplyOptions): AsyncIterable<ReplyEvent> {
    const model = this.loadedModel();
    // A continuation gets what is left of the reply's length, so a regenerated reply is no longer than a first one.
    const maxNewTokens = Math.max(1, this.config.replyMaxTokens - (prefix ? model.tokenizer.encode(prefix).length : 0));
    const prompt = model.promptIds(messages, maxNewTokens, prefix);
    const cache = conversationId === undefined ? undefined : this.caches!.get(conversationId, prompt);
    let stream;
    try {
      stream = model.generator.submit({ ...sampling, prompt, maxNewTokens, seed, signal, cache });
    } catch (err) {
      throw err instanceof QueueFullError ? new PolicyBusyError(err.queued) : err;
    }
    try {
      for await (const e of stream) {
        if (e.kind === 'token') {
          if (e.delta) yield { kind: 'delta', text: e.delta };
        } else {
          yield { kind: 'done', text: e.result.text.trim(), completionTokens: e.result.tokens.length, promptTokens: e.result.promptTokens };
        }
      }
    } finally {
      this.caches!.evict();
    }
  }

  private loadedModel(): ChatModel {
    if (!this.model) throw new Error('the policy model is not loaded');
    return this.model;
  }
}
