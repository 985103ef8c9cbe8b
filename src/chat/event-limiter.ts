import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'socket.io';
import { RateBuckets } from '../cluster';
import { AppConfig, BucketLimit } from '../config';
import { clientAddress } from '../http';
import { AckError } from './socket-acks';

/** Which session a socket's event speaks for (undefined: none yet; the socket itself stands for it). */
export type SessionOf = (socket: Socket, args: unknown[]) => string | undefined;

/**
 * Socket event limits per client IP and per chat session (SOCKET_RATE_* / SOCKET_BURST_*; docs/security.md):
 * an event past either bucket is refused before any handler runs, so nothing is stored for it; the
 * client gets `{ ok: false, error: { code: 'rate_limited', message, retryAfterMs } }` through its
 * ack and as a `chat:error` event. A handshake takes a token of its IP's bucket too. The buckets
 * are shared by the replicas with REDIS_URL, this process's own without (RateBuckets).
 */
@Injectable()
export class EventLimiter {
  private readonly perIp: BucketLimit;
  private readonly perSession: BucketLimit;
  private readonly trustProxyHops: number;

  constructor(
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    private readonly buckets: RateBuckets,
  ) {
    const limits = config.get('limits', { infer: true });
    this.perIp = limits.socket.perIp;
    this.perSession = limits.socket.perSession;
    this.trustProxyHops = limits.trustProxyHops;
  }

  /** A socket.io handshake (engine.io's allowRequest): false when its IP has no token left. */
  async admitConnection(req: IncomingMessage): Promise<boolean> {
    const ip = clientAddress(req.socket.remoteAddress, req.headers, this.trustProxyHops);
    return (await this.buckets.take([{ key: `ip:${ip}`, limit: this.perIp }])) === 0;
  }

  /** Puts every event of `socket` through the IP's and the session's buckets (`sessionOf` names the session, per namespace). */
  limit(socket: Socket, sessionOf: SessionOf): void {
    const ip = clientAddress(socket.handshake.address, socket.handshake.headers, this.trustProxyHops);
    socket.use(([event, ...args], next) => {
      const session = `${socket.nsp.name}:${sessionOf(socket, args) ?? `socket:${socket.id}`}`;
      void this.buckets.take([{ key: `ip:${ip}`, limit: this.perIp }, { key: `session:${session}`, limit: this.perSession }]).then((wait) => {
        if (wait === 0) return next();
        const error: AckError & { retryAfterMs: number } = { code: 'rate_limited', message: `too many events; retry in ${Math.ceil(wait / 1000)} s`, retryAfterMs: wait };
        socket.emit('chat:error', { event: String(event).slice(0, 64), ...error });
        const ack = args.at(-1);
        if (typeof ack === 'function') ack({ ok: false, error });
      });
    });
  }
}
