import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisSessionLock } from '../src/cluster';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `closer-test-lock-${process.pid}-${Date.now()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two replicas' locks on one Redis; a third one is "killed" in a test. */
const replica = (leaseMs?: number) => new RedisSessionLock({ url: REDIS_URL, prefix }, leaseMs);
let a: RedisSessionLock;
let b: RedisSessionLock;
const redis = new IORedis(REDIS_URL);

beforeAll(async () => {
  Logger.overrideLogger(false);
  a = replica(600);
  b = replica(600);
  await Promise.all([a.onModuleInit(), b.onModuleInit()]);
});
afterAll(async () => {
  await Promise.all([a?.onApplicationShutdown(), b?.onApplicationShutdown()]);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Runs `count` pieces of work of one session on alternating replicas, each `gapMs` after the previous; records when each ran. */
async function alternate(sessionId: string, count: number, workMs: number, gapMs: number) {
  const log: { n: number; start: number; end: number }[] = [];
  const runs: Promise<number>[] = [];
  for (let n = 0; n < count; n++) {
    const lock = n % 2 === 0 ? a : b;
    runs.push(
      lock.run(sessionId, async () => {
        const start = performance.now();
        await sleep(workMs);
        log.push({ n, start, end: performance.now() });
        return n;
      }),
    );
    await sleep(gapMs);
  }
  return { results: await Promise.all(runs), log };
}

describe('the per-session lock in Redis, shared by two replicas', () => {
  it('runs one session’s work one at a time, in arrival order, alternating replicas, and leaves no key behind', async () => {
    const sessionId = randomUUID();
    const { results, log } = await alternate(sessionId, 6, 80, 15);
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(log.map((l) => l.n)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 1; i < log.length; i++) expect(log[i].start).toBeGreaterThanOrEqual(log[i - 1].end);
    expect(await redis.keys(`${prefix}:session-lock:{${sessionId}}*`)).toEqual([]);
  });

  it('other sessions do not wait', async () => {
    const started = performance.now();
    await Promise.all([randomUUID(), randomUUID(), randomUUID()].map((id, i) => (i % 2 ? a : b).run(id, () => sleep(300))));
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('a failed turn frees the session for the next; a turn longer than the lease keeps it (renewed)', async () => {
    const sessionId = randomUUID();
    await expect(a.run(sessionId, () => Promise.reject(new Error('generation failed')))).rejects.toThrow('generation failed');
    const order: string[] = [];
    const long = a.run(sessionId, async () => {
      order.push('long start');
      await sleep(1500); // 2.5 leases
      order.push('long end');
    });
    await sleep(20);
    await b.run(sessionId, async () => order.push('next'));
    await long;
    expect(order).toEqual(['long start', 'long end', 'next']);
  });

  it('a replica that dies holding a session frees it once its lease runs out', async () => {
    const sessionId = randomUUID();
    const dying = replica(600);
    await dying.onModuleInit();
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    void dying.run(sessionId, () => (holding(), new Promise(() => undefined))); // never finishes
    await held;
    await dying.onApplicationShutdown(); // no release, no renewal: as after a SIGKILL
    const started = performance.now();
    expect(await b.run(sessionId, async () => 'after the lease')).toBe('after the lease');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(300);
    expect(waited).toBeLessThan(600 + 500 + 300);
  });
});
