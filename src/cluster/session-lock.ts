import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisConfig } from '../config';
import { closeRedis, redisConnection, redisReady } from './redis-connection';

export type StopListener = (sessionId: string, reason: string) => void;

/**
 * Runs the turns of one session one at a time, in the order they arrived: two messages of a visitor
 * are never answered from the same history, and their turns are stored visitor, reply, visitor, reply.
 * `stop` reaches the session's running turn on whichever replica runs it.
 */
export abstract class SessionLock {
  protected readonly stopListeners: StopListener[] = [];

  abstract run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;

  /** Tells this replica's listeners at once, and every other replica's. */
  abstract stop(sessionId: string, reason: string): void;

  /** For the app's lifetime: what to do when a session's running turn is to stop (the turn loop aborts its reply). */
  onStop(listener: StopListener): void {
    this.stopListeners.push(listener);
  }

  protected stopHere(sessionId: string, reason: string): void {
    for (const listener of this.stopListeners) listener(sessionId, reason);
  }
}

/** One server (no REDIS_URL): a promise chain per session, in memory. */
export class LocalSessionLock extends SessionLock {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  stop(sessionId: string, reason: string): void {
    this.stopHere(sessionId, reason);
  }

  run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(sessionId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    this.inFlight.set(sessionId, run);
    void run.finally(() => this.inFlight.get(sessionId) === run && this.inFlight.delete(sessionId)).catch(() => undefined);
    return run;
  }
}

/** A ticket lives this long unless its replica renews it (every third of it): the sessions of a replica that died are free again after at most this. */
const LEASE_MS = 10_000;
/** A waiter looks again this often without a release notice (a replica that died sends none; a notice can be missed while reconnecting). */
const RECHECK_MS = 500;

/*
 * Per session, in one hash slot ({sessionId}): KEYS[1] the queue (ticket → arrival number), KEYS[2]
 * the leases (ticket → deadline, Redis's clock), KEYS[3] the arrival counter. The holder is the
 * queue's first ticket whose lease runs; expired ones are dropped when met. Every key expires with
 * the last lease, so a session nobody waits for leaves nothing behind.
 */
const COMMON = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function head(t)
  for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', t)) do
    redis.call('ZREM', KEYS[1], ticket)
    redis.call('ZREM', KEYS[2], ticket)
  end
  return redis.call('ZRANGE', KEYS[1], 0, 0)[1]
end
local function keep(lease)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], lease) end
end
`;
/** ARGV: ticket, lease → 1 when it holds the lock at once, 0 when it waits. */
const TAKE = `${COMMON}
local t, lease = now(), tonumber(ARGV[2])
local arrival = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], arrival, ARGV[1])
redis.call('ZADD', KEYS[2], t + lease, ARGV[1])
keep(lease)
return head(t) == ARGV[1] and 1 or 0`;
/** ARGV: ticket → 1 holds the lock, 0 waits, -1 its lease ran out. */
const CHECK = `${COMMON}
local first = head(now())
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
return first == ARGV[1] and 1 or 0`;
/** ARGV: ticket, lease → 1 renewed, 0 its lease had run out. */
const RENEW = `${COMMON}
local t, lease = now(), tonumber(ARGV[2])
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not deadline or tonumber(deadline) <= t then return 0 end
redis.call('ZADD', KEYS[2], t + lease, ARGV[1])
keep(lease)
return 1`;
/** ARGV: ticket, channel, session id: drops the ticket and tells the waiters, if any. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
else
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1`;

interface Ticket {
  sessionId: string;
  id: string;
  /** Its turn runs (it was first in the queue); until then it waits. */
  held: boolean;
}

/**
 * Several replicas (REDIS_URL): a fair ticket lock in Redis per session, after Rasa's ticket lock
 * store. Each message takes a ticket when it arrives (Redis numbers them, so arrival order holds
 * across replicas); it runs once every earlier ticket is released or its lease ran out. Waiting is
 * woken by a release notice (pub/sub) and rechecked on a timer; the replica renews the leases of the
 * tickets it holds or waits with. Nothing is held in Postgres while a reply generates. Stops are
 * published to every replica.
 */
export class RedisSessionLock extends SessionLock implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionLock.name);
  /** Fails a command after a few reconnection attempts: a turn fails rather than waits for Redis indefinitely. */
  private readonly commands: Redis;
  private readonly notices: Redis;
  private readonly channels: { released: string; stop: string };
  /** Tells this replica's own stop messages from the others'. */
  private readonly replicaId = randomUUID();
  /** The tickets this replica holds or waits with: their leases are renewed together. */
  private readonly tickets = new Set<Ticket>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly config: RedisConfig,
    private readonly leaseMs = LEASE_MS,
  ) {
    super();
    this.commands = redisConnection(config, { role: 'session-lock', maxRetriesPerRequest: 3 });
    this.notices = redisConnection(config, { role: 'session-lock-notices', maxRetriesPerRequest: null });
    this.channels = { released: `${config.prefix}:session-lock:released`, stop: `${config.prefix}:session-lock:stop` };
    this.notices.on('message', (channel: string, message: string) => {
      if (channel === this.channels.released) this.waiters.get(message)?.forEach((wake) => wake());
      else this.stopFromReplica(message);
    });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([redisReady(this.commands, this.config), redisReady(this.notices, this.config)]);
    await this.notices.subscribe(this.channels.released, this.channels.stop);
    this.renewal = setInterval(() => void this.renew(), this.leaseMs / 3);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewal);
    await Promise.all([closeRedis(this.commands), closeRedis(this.notices)]);
  }

  stop(sessionId: string, reason: string): void {
    this.stopHere(sessionId, reason);
    this.commands.publish(this.channels.stop, JSON.stringify({ from: this.replicaId, sessionId, reason })).catch((err: Error) =>
      this.logger.warn({ sessionId }, `stop not sent to the other replicas (${err.message}): a reply streaming there runs on, and is not stored if a person took over`),
    );
  }

  private stopFromReplica(message: string): void {
    const { from, sessionId, reason } = JSON.parse(message) as { from: string; sessionId: string; reason: string };
    if (from !== this.replicaId) this.stopHere(sessionId, reason);
  }

  async run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const ticket = await this.acquire(sessionId);
    try {
      return await work();
    } finally {
      await this.release(ticket);
    }
  }

  private async acquire(sessionId: string): Promise<Ticket> {
    for (;;) {
      // Sent before anything is awaited: this replica's tickets are numbered in the order of its calls.
      const ticket: Ticket = { sessionId, id: randomUUID(), held: false };
      const taken = this.script(TAKE, ticket, ticket.id, this.leaseMs);
      this.tickets.add(ticket);
      try {
        ticket.held = (await taken) === 1 || (await this.waitTurn(ticket));
        if (ticket.held) return ticket;
      } catch (err) {
        await this.release(ticket);
        throw err;
      }
      // Not renewed in time (this process stalled longer than the lease): back of the queue with a new ticket.
      this.tickets.delete(ticket);
      this.logger.warn({ sessionId }, 'a waiting turn lost its place in the session queue; queued again');
    }
  }

  /** True once the ticket holds the lock; false if its lease ran out meanwhile. */
  private async waitTurn(ticket: Ticket): Promise<boolean> {
    for (;;) {
      const { woken, unlisten } = this.nextRelease(ticket.sessionId);
      try {
        const state = (await this.script(CHECK, ticket, ticket.id)) as number;
        if (state !== 0) return state === 1;
        await woken;
      } finally {
        unlisten();
      }
    }
  }

  /** Resolves on the session's next release notice, or after RECHECK_MS. Listening starts before the check it follows, so no notice falls between. */
  private nextRelease(sessionId: string): { woken: Promise<void>; unlisten: () => void } {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, RECHECK_MS);
    const waiting = this.waiters.get(sessionId) ?? new Set();
    waiting.add(wake);
    this.waiters.set(sessionId, waiting);
    const unlisten = () => {
      clearTimeout(timer);
      waiting.delete(wake);
      if (waiting.size === 0 && this.waiters.get(sessionId) === waiting) this.waiters.delete(sessionId);
    };
    return { woken, unlisten };
  }

  /** Never throws (it runs in a `finally`): a ticket that cannot be released now frees the session when its lease runs out. */
  private async release(ticket: Ticket): Promise<void> {
    this.tickets.delete(ticket);
    await this.script(RELEASE, ticket, ticket.id, this.channels.released, ticket.sessionId).catch((err: Error) =>
      this.logger.warn({ sessionId: ticket.sessionId }, `session lock not released (${err.message}); free again within ${this.leaseMs / 1000} s`),
    );
  }

  private async renew(): Promise<void> {
    if (this.tickets.size === 0) return;
    const tickets = [...this.tickets];
    const pipeline = this.commands.pipeline();
    for (const ticket of tickets) pipeline.eval(RENEW, 3, ...this.keys(ticket.sessionId), ticket.id, this.leaseMs);
    // Unreachable Redis is logged by the connection; the next round tries again.
    const results = await pipeline.exec().catch(() => null);
    results?.forEach(([err, renewed], i) => {
      // A waiting ticket that ran out finds out at its next check, and queues again.
      if (!err && renewed === 0 && tickets[i].held && this.tickets.has(tickets[i])) {
        this.logger.warn({ sessionId: tickets[i].sessionId }, 'session lock lease ran out before it was renewed; another replica may run this session meanwhile');
      }
    });
  }

  private script(lua: string, ticket: Ticket, ...args: (string | number)[]): Promise<unknown> {
    return this.commands.eval(lua, 3, ...this.keys(ticket.sessionId), ...args);
  }

  private keys(sessionId: string): [string, string, string] {
    const base = `${this.config.prefix}:session-lock:{${sessionId}}`;
    return [base, `${base}:leases`, `${base}:arrivals`];
  }
}
