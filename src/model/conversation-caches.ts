import { ModelConfig } from './config';
import { SequenceKv } from './kv-cache';

/**
 * Conversation caches by key (a chat session id), bounded by memory: once their key/value arrays
 * exceed `maxBytes`, the least recently used are dropped. A dropped conversation's next turn just
 * prefills its whole prompt again (the generator reuses what a cache holds, nothing else).
 */
export class ConversationCaches {
  /** Map order is recency order: oldest first. */
  private readonly entries = new Map<string, SequenceKv>();
  private lastUsed: SequenceKv | undefined;

  constructor(
    private readonly config: ModelConfig,
    readonly maxBytes: number,
  ) {}

  /**
   * The conversation's cache, marked most recently used. A conversation not held starts from
   * the prefix its prompt shares with the most recently used one (the system prompt, typically),
   * so a new session's first turn does not prefill what every session starts with.
   */
  get(key: string, prompt: readonly number[]): SequenceKv {
    let cache = this.entries.get(key);
    if (cache) this.entries.delete(key);
    else {
      cache = new SequenceKv(this.config);
      if (this.lastUsed) cache.copyPrefix(this.lastUsed, this.lastUsed.commonPrefix(prompt));
    }
    this.entries.set(key, cache);
    this.lastUsed = cache;
    return cache;
  }

  get bytes(): number {
    let total = 0;
    for (const cache of this.entries.values()) total += cache.bytes;
    return total;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Drops the conversation's cache, also as the prefix a new conversation would start from. */
  delete(key: string): void {
    if (this.entries.get(key) === this.lastUsed) this.lastUsed = undefined;
    this.entries.delete(key);
  }

  /** Drops least recently used conversations until the rest fit in `maxBytes`. */
  evict(): void {
    let total = this.bytes;
    for (const [key, cache] of this.entries) {
      if (total <= this.maxBytes) return;
      total -= cache.bytes;
      this.delete(key);
    }
  }
}
