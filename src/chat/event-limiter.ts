import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Socket } from 'socket.io';
import { AppConfig, BucketLimit } from '../config';
import { clientAddress } from '../http';
import { AckError } from './socket-acks';

/** Token buckets by key: `rate` tokens a second, `burst` at most. A bucket that has refilled is forgotten (a new one is the same). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: BucketLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds until `key` has a token; 0: it has one now. */
  wait(key: string): number {
    const tokens = this.refill(key).tokens;
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.limit.rate) * 1000);
  }

  take(key: string): void {
    this.refill(key).tokens -= 1;
  }

  prune(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.limit.rate >= this.limit.burst) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string): { tokens: number; at: number } {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      const fresh = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.rate);
    bucket.at = now;
    return bucket;
  }
}

/** Which session a socket's event speaks for (undefined: none yet; the socket itself stands for it). */
export type SessionOf = (socket: Socket, args: unknown[]) => string | undefined;

const PRUNE_INTERVAL_MS = 10_000;

/**
 * Socket event limits per client IP and per chat session (SOCKET_RATE_* / SOCKET_BURST_*; docs/security.md):
 * an event past either bucket is refused before any handler runs, so nothing is stored for it; the
 * client gets `{ ok: false, error: { code: 'rate_limited', message, retryAfterMs } }` through its
 * ack and as a `chat:error` event. A handshake takes a token of its IP's bucket too. The buckets
 * are this process's: with several replicas each one limits what reaches it.
 */
@Injectable()
export class EventLimiter implements OnModuleDestroy {
  private readonly perIp: TokenBuckets;
  private readonly perSession: TokenBuckets;
  private readonly trustProxyHops: number;
  private readonly pruning: NodeJS.Timeout;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    const limits = config.get('limits', { infer: true });
    this.perIp = new TokenBuckets(limits.socket.perIp);
    this.perSession = new TokenBuckets(limits.socket.perSession);
    this.trustProxyHops = limits.trustProxyHops;
    this.pruning = setInterval(() => {
      this.perIp.prune();
      this.perSession.prune();
    }, PRUNE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruning);
  }

  /** A socket.io handshake (engine.io's allowRequest): false when its IP has no token left. */
  admitConnection(req: IncomingMessage): boolean {
    const ip = clientAddress(req.socket.remoteAddress, req.headers, this.trustProxyHops);
    if (this.perIp.wait(ip) > 0) return false;
    this.perIp.take(ip);
    return true;
  }

  /** Puts every event of `socket` through the IP's and the session's buckets (`sessionOf` names the session, per namespace). */
  limit(socket: Socket, sessionOf: SessionOf): void {
    const ip = clientAddress(socket.handshake.address, socket.handshake.headers, this.trustProxyHops);
    socket.use(([event, ...args], next) => {
      const session = `${socket.nsp.name}:${sessionOf(socket, args) ?? `socket:${socket.id}`}`;
      const wait = Math.max(this.perIp.wait(ip), this.perSession.wait(session));
      if (wait === 0) {
        this.perIp.take(ip);
        this.perSession.take(session);
        return next();
      }
      const error: AckError & { retryAfterMs: number } = { code: 'rate_limited', message: `too many events; retry in ${Math.ceil(wait / 1000)} s`, retryAfterMs: wait };
      socket.emit('chat:error', { event: String(event).slice(0, 64), ...error });
      const ack = args.at(-1);
      if (typeof ack === 'function') ack({ ok: false, error });
    });
  }
}
