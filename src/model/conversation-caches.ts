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

  constructor(
    private readonly config: ModelConfig,
    readonly maxBytes: number,
  ) {}

  /** The conversation's cache (a new empty one if none is held), marked most recently used. */
  get(key: string): SequenceKv {
    const cache = this.entries.get(key) ?? new SequenceKv(this.config);
    this.entries.delete(key);
    this.entries.set(key, cache);
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

  /** Drops least recently used conversations until the rest fit in `maxBytes`. */
  evict(): void {
    let total = this.bytes;
    for (const [key, cache] of this.entries) {
      if (total <= this.maxBytes) return;
      total -= cache.bytes;
      this.entries.delete(key);
    }
  }
}
