import { ConfigService } from '@nestjs/config';
import IORedis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import { RateBuckets, RedisRateBuckets } from '../src/cluster';
import { AppConfig } from '../src/config';
import { EventLimiter } from '../src/chat';
import { captureLogs, linesOf, LogLine } from './support/log-capture';
import { redisProxy, TcpProxy } from './support/tcp-proxy';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `closer-test-limits-${process.pid}-${Date.now()}`;
const redis = new IORedis(REDIS_URL);
const perIp = { rate: 1, burst: 3 };
const perSession = { rate: 1, burst: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let logs: LogLine[];
const started: RedisRateBuckets[] = [];

/** One replica's buckets on the shared Redis, started as the app starts them. */
async function replicaBuckets(): Promise<RedisRateBuckets> {
  const buckets = new RedisRateBuckets({ url: REDIS_URL, prefix });
  started.push(buckets);
  await buckets.onModuleInit();
  return buckets;
}

function limiter(buckets: RateBuckets): EventLimiter {
  const limits = { trustProxyHops: 0, socket: { perIp, perSession } };
  return new EventLimiter({ get: () => limits } as unknown as ConfigService<AppConfig, true>, buckets);
}

const handshake = (ip: string) => ({ socket: { remoteAddress: ip }, headers: {} }) as IncomingMessage;

type Middleware = (packet: unknown[], next: () => void) => void;

/** A `/chat` socket from `ip` through `limiter`, speaking for `sessionId`: `send` resolves to what the limiter did with one event. */
function chatSocket(limiter: EventLimiter, ip: string, sessionId: string) {
  let middleware!: Middleware;
  const errors: { code: string }[] = [];
  const socket = { id: `${ip}-${sessionId}`, nsp: { name: '/chat' }, handshake: { address: ip, headers: {} }, use: (fn: Middleware) => (middleware = fn), emit: (_: string, e: { code: string }) => errors.push(e) };
  limiter.limit(socket as unknown as Socket, () => sessionId);
  const send = () =>
    new Promise<string>((resolve) => {
      middleware(['message:send', {}, (ack: { error: { code: string } }) => resolve(ack.error.code)], () => resolve('passed'));
    });
  return { send, errors };
}

beforeAll(() => {
  logs = captureLogs();
});
afterAll(async () => {
  await Promise.all(started.map((b) => b.onApplicationShutdown()));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('socket event limits shared by replicas through Redis', () => {
  it("two replicas spend one address's bucket: the second is refused once the burst is spent on the first", async () => {
    const [a, b] = [limiter(await replicaBuckets()), limiter(await replicaBuckets())];
    for (let i = 0; i < perIp.burst; i++) expect(await a.admitConnection(handshake('203.0.113.1'))).toBe(true);
    expect(await b.admitConnection(handshake('203.0.113.1'))).toBe(false);
    expect(await a.admitConnection(handshake('203.0.113.1'))).toBe(false);
    // Another address has its own bucket, on either replica.
    expect(await b.admitConnection(handshake('203.0.113.2'))).toBe(true);
    // The bucket refills at the rate on both (1 a second).
    await sleep(1050);
    expect(await b.admitConnection(handshake('203.0.113.1'))).toBe(true);
  });

  it("a session's events on two replicas (two tabs, two sockets) spend one session bucket", async () => {
    const [a, b] = [limiter(await replicaBuckets()), limiter(await replicaBuckets())];
    const onA = chatSocket(a, '203.0.113.6', 'two-tabs');
    const onB = chatSocket(b, '203.0.113.7', 'two-tabs');
    expect([await onA.send(), await onB.send(), await onB.send(), await onA.send()]).toEqual(['passed', 'passed', 'rate_limited', 'rate_limited']);
    expect(onB.errors).toEqual([expect.objectContaining({ code: 'rate_limited', event: 'message:send' })]);
    // Another session from the same address is not affected.
    expect(await chatSocket(b, '203.0.113.7', 'other').send()).toBe('passed');
  });

  it('takes from the address and the session together or not at all, answers the wait, and lets an idle bucket expire', async () => {
    const [a, b] = [await replicaBuckets(), await replicaBuckets()];
    const ip = { key: 'ip:203.0.113.3', limit: perIp };
    const session = { key: 'session:/chat:s1', limit: perSession };
    expect(await a.take([ip, session])).toBe(0);
    expect(await b.take([ip, session])).toBe(0);
    const wait = await a.take([ip, session]);
    expect(wait).toBeGreaterThan(900);
    expect(wait).toBeLessThanOrEqual(1000);
    // Refused by the session's bucket: the address's third token is still there.
    expect(await b.take([ip])).toBe(0);
    expect(await b.take([ip])).toBeGreaterThan(0);
    // Each key lives until its bucket would be full again (3 tokens at 1/s: at most 3 s).
    const ttl = await redis.pttl(`${prefix}:rate:${ip.key}`);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3000);
    expect(await redis.pttl(`${prefix}:rate:${session.key}`)).toBeLessThanOrEqual(2000);
  });

  describe('Redis unreachable mid-traffic', () => {
    let proxy: TcpProxy;
    let buckets: RedisRateBuckets;
    beforeAll(async () => {
      proxy = await redisProxy(REDIS_URL);
      buckets = new RedisRateBuckets({ url: proxy.url, prefix });
      await buckets.onModuleInit();
    });
    // Closed before the proxy: a connection left reconnecting to it would hold Jest up.
    afterAll(async () => {
      await buckets.onApplicationShutdown();
      await proxy.cut();
    });

    it("falls back to the replica's own buckets at once, warning once; shared again when Redis answers, said once", async () => {
      // A token every 10 s: what the Redis bucket holds after the outage is what it held before, near enough.
      const ip = { key: 'ip:203.0.113.4', limit: { rate: 0.1, burst: 3 } };
      expect(await buckets.take([ip])).toBe(0);
      await proxy.cut();
      await sleep(100);
      // The local bucket is a new, full one: the burst again, then refused; no event waits for Redis.
      const before = performance.now();
      const waits = [];
      for (let i = 0; i < 4; i++) waits.push(await buckets.take([ip]));
      expect(performance.now() - before).toBeLessThan(100);
      expect(waits.map((w) => w > 0)).toEqual([false, false, false, true]);
      expect(linesOf(logs, 'RateBuckets')).toEqual([{ level: 'warn', message: expect.stringMatching(/^Redis unavailable \(.+\): socket event limits are this replica's own until it answers$/), params: ['RateBuckets'] }]);

      await proxy.listen();
      const deadline = Date.now() + 10_000;
      while (linesOf(logs, 'RateBuckets').length < 2 && Date.now() < deadline) {
        await buckets.take([{ key: 'ip:203.0.113.5', limit: perIp }]);
        await sleep(100);
      }
      // Shared again: the Redis bucket, with the token taken before the outage.
      expect(await buckets.take([ip])).toBe(0);
      expect(await buckets.take([ip])).toBe(0);
      expect(await buckets.take([ip])).toBeGreaterThan(0);
      expect(linesOf(logs, 'RateBuckets').map(({ level, message }) => [level, message])).toEqual([
        ['warn', expect.any(String)],
        ['log', 'Redis answers again: socket event limits are shared by the replicas again'],
      ]);
    });
  });
});
