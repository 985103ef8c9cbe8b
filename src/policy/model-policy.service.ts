import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { basename } from 'node:path';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMessage, ChatModel } from '../model';
import { ModelStatus } from '../health';
import { BatchingQueue } from './batching-queue';
import { PolicyBusyError, ReplyEvent, ReplyPolicy } from './reply-policy';

interface Request {
  prompt: number[];
  seed: number;
  signal?: AbortSignal;
  push(event: ReplyEvent | Error): void;
}

const sampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

/** The served model: loaded at start-up, replies generated in batches across sessions. */
@Injectable()
export class ModelPolicyService implements ReplyPolicy, ModelStatus, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ModelPolicyService.name);
  private readonly config: PolicyConfig;
  private model: ChatModel | undefined;
  private readonly queue: BatchingQueue<Request>;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    this.config = config.get('policy', { infer: true });
    this.queue = new BatchingQueue(this.config.maxBatch, this.config.maxQueue, (batch) => this.run(batch));
  }

  async onModuleInit(): Promise<void> {
    this.model = await ChatModel.load(this.config.modelDir, { capacity: this.config.contextTokens });
    this.logger.log(`serving ${this.config.modelDir}`);
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

  async *reply(messages: ChatMessage[], { seed, signal }: { seed: number; signal?: AbortSignal }): AsyncIterable<ReplyEvent> {
    const prompt = this.loadedModel().promptIds(messages, this.config.replyMaxTokens);
    const events: (ReplyEvent | Error)[] = [];
    let wake: (() => void) | undefined;
    const accepted = this.queue.push({
      prompt,
      seed,
      signal,
      push: (e) => {
        events.push(e);
        wake?.();
      },
    });
    if (!accepted) throw new PolicyBusyError(this.queue.queued);
    for (;;) {
      while (events.length === 0) await new Promise<void>((r) => (wake = r));
      const event = events.shift()!;
      if (event instanceof Error) throw event;
      yield event;
      if (event.kind === 'done') return;
    }
  }

  private loadedModel(): ChatModel {
    if (!this.model) throw new Error('the policy model is not loaded');
    return this.model;
  }

  private async run(batch: Request[]): Promise<void> {
    const model = this.model!;
    // One abort for the batch only when every row was cancelled; rows stop on their own otherwise.
    const controller = new AbortController();
    const onAbort = () => batch.every((r) => r.signal?.aborted) && controller.abort();
    batch.forEach((r) => r.signal?.addEventListener('abort', onAbort));
    try {
      const stream = model.generator.stream(
        batch.map((r) => r.prompt),
        { ...sampling, maxNewTokens: this.config.replyMaxTokens, seed: batch.map((r) => r.seed), stop: ['<|im_end|>'], signal: controller.signal },
      );
      for await (const e of stream) {
        const request = batch[e.row];
        if (e.kind === 'token') {
          if (e.delta) request.push({ kind: 'delta', text: e.delta });
        } else {
          request.push({ kind: 'done', text: e.result.text.trim(), completionTokens: e.result.tokens.length, promptTokens: request.prompt.length });
        }
      }
    } catch (err) {
      for (const r of batch) r.push(err as Error);
    } finally {
      batch.forEach((r) => r.signal?.removeEventListener('abort', onAbort));
    }
  }
}
