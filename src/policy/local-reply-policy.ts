import type { ChatMessage, ChatModel, SamplingOptions } from '../model';
import type { ReplyEvent, ReplyOptions, ReplyPolicy } from './reply-policy';
import { replyRequest } from './reply-request';

/**
 * A reply policy over a model loaded in this process (no inference thread, no versions, no
 * conversation caches): what an offline evaluation drives the guardrail's SentenceStream with, so
 * it grades replies as the server streams them (eval-intents --as-served).
 */
export class LocalReplyPolicy implements ReplyPolicy {
  constructor(
    private readonly model: ChatModel,
    private readonly sampling: Partial<SamplingOptions>,
    private readonly replyMaxTokens: number,
  ) {}

  versionName(): string {
    return this.model.dir;
  }

  isLoaded(): boolean {
    return true;
  }

  assertFits(messages: ChatMessage[]): void {
    this.model.promptIds(messages, this.replyMaxTokens);
  }

  async *reply(messages: ChatMessage[], options: ReplyOptions): AsyncIterable<ReplyEvent> {
    const request = replyRequest(this.model, messages, options, this.replyMaxTokens);
    const stream = this.model.generator.submit({ ...this.sampling, ...request, signal: options.signal });
    for await (const e of stream) if (e.kind === 'token' && e.delta) yield { kind: 'delta', text: e.delta };
    const result = await stream.result;
    yield { kind: 'done', text: result.text.trim(), completionTokens: result.tokens.length, promptTokens: result.promptTokens };
  }
}
