/**
 * Collects requests that arrive while a batch runs and hands them to the next batch together,
 * so concurrent chat sessions share one generation pass. Bounded: beyond `maxQueue` waiting
 * requests, `push` refuses.
 */
export class BatchingQueue<T> {
  private readonly waiting: T[] = [];
  private running = false;

  constructor(
    private readonly maxBatch: number,
    private readonly maxQueue: number,
    private readonly runBatch: (batch: T[]) => Promise<void>,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** False when the queue is full (the request was not taken). */
  push(item: T): boolean {
    if (this.waiting.length >= this.maxQueue) return false;
    this.waiting.push(item);
    void this.drain();
    return true;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length) await this.runBatch(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }
}
