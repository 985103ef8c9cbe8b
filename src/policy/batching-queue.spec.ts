import { BatchingQueue } from './batching-queue';

describe('BatchingQueue', () => {
  it('batches what arrives while a batch runs, up to maxBatch, in order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstRunning = new Promise<void>((r) => (release = r));
    const queue = new BatchingQueue<number>(3, 100, async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await firstRunning;
    });
    queue.push(1); // starts alone
    for (const n of [2, 3, 4, 5]) queue.push(n); // wait behind it
    expect(queue.queued).toBe(4);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    expect(queue.queued).toBe(0);
  });

  it('refuses beyond maxQueue waiting items (the busy path)', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const queue = new BatchingQueue<number>(1, 2, () => blocked);
    expect(queue.push(1)).toBe(true); // running
    expect(queue.push(2)).toBe(true);
    expect(queue.push(3)).toBe(true);
    expect(queue.push(4)).toBe(false);
    release();
  });
});
