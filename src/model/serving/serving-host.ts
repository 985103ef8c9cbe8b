import { ChatModel } from '../chat-model';
import { ConversationCaches } from '../conversation-caches';
import { GenerationStream } from '../generation-stream';
import { ServingEvent, ServingRequest } from './protocol';

/**
 * The inference side of a served model (it runs in the model's worker thread): the generator,
 * its continuous batch and the conversations' caches. Events are sent in one message per turn
 * of the thread's event loop, i.e. one per decode step for the whole batch, with each request's
 * deltas of that step merged, so the cost of crossing threads does not grow with tokens × rows.
 */
export class ServingHost {
  private readonly caches: ConversationCaches;
  private readonly running = new Map<number, AbortController>();
  private outbox: ServingEvent[] = [];
  private flushScheduled = false;

  constructor(
    private readonly model: ChatModel,
    cacheBytes: number,
    private readonly send: (events: ServingEvent[]) => void,
  ) {
    this.caches = new ConversationCaches(model.generator.lm.config, cacheBytes);
  }

  submit(id: number, { conversationId, ...request }: ServingRequest, cancelled = false): void {
    const controller = new AbortController();
    // Aborted before the generator sees it, so it never joins the batch (a later cancel may come after a step).
    if (cancelled) controller.abort();
    const cache = conversationId === undefined ? undefined : this.caches.get(conversationId, request.prompt);
    let stream: GenerationStream;
    try {
      stream = this.model.generator.submit({ ...request, signal: controller.signal, cache });
    } catch (err) {
      return this.emit({ id, failed: (err as Error).message });
    }
    this.running.set(id, controller);
    void this.relay(id, stream);
  }

  cancel(id: number): void {
    this.running.get(id)?.abort();
  }

  forget(conversationId: string): void {
    this.caches.delete(conversationId);
  }

  async release(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    await this.model.release();
  }

  private async relay(id: number, stream: GenerationStream): Promise<void> {
    try {
      for await (const e of stream) {
        if (e.kind === 'token') {
          if (e.delta) this.emit({ id, delta: e.delta });
        } else {
          const { text, tokens, promptTokens, reusedTokens, finishReason } = e.result;
          this.emit({ id, done: { text, completionTokens: tokens.length, promptTokens, reusedTokens, finishReason } });
        }
      }
    } catch (err) {
      this.emit({ id, failed: (err as Error).message });
    } finally {
      this.running.delete(id);
      this.caches.evict();
    }
  }

  private emit(event: ServingEvent): void {
    const last = this.outbox.at(-1);
    if ('delta' in event && last && 'delta' in last && last.id === event.id) last.delta += event.delta;
    else this.outbox.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const events = this.outbox;
      this.outbox = [];
      this.send(events);
    });
  }
}
