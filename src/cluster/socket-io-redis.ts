import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { AppConfig, RedisConfig } from '../config';
import { closeRedis, redisConnection, redisReady } from './redis-connection';

/**
 * socket.io's Redis adapter when REDIS_URL is set: whatever a replica emits to a room or to a whole
 * namespace (`/chat`, the Rasa channel, `/admin`) is published on Redis and delivered by every
 * replica to its own sockets in that room. Without REDIS_URL there is none: one server, rooms in memory.
 */
@Injectable()
export class SocketIoRedis implements OnModuleInit, OnApplicationShutdown {
  private readonly clients?: { config: RedisConfig; pub: Redis; sub: Redis };

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    const redis = config.get('redis', { infer: true });
    // null: an emit made while Redis is away waits for it (the local sockets have it already) rather than failing.
    if (redis) this.clients = { config: redis, pub: redisConnection(redis, { role: 'socket.io-pub', maxRetriesPerRequest: null }), sub: redisConnection(redis, { role: 'socket.io-sub', maxRetriesPerRequest: null }) };
  }

  /** For the socket.io server's `adapter` option; undefined without REDIS_URL (the in-memory adapter). */
  adapter(): ReturnType<typeof createAdapter> | undefined {
    if (!this.clients) return undefined;
    return createAdapter(this.clients.pub, this.clients.sub, { key: `${this.clients.config.prefix}:socket.io` });
  }

  async onModuleInit(): Promise<void> {
    if (this.clients) await Promise.all([redisReady(this.clients.pub, this.clients.config), redisReady(this.clients.sub, this.clients.config)]);
  }

  /** After the socket.io servers have closed (Nest disposes them before the shutdown hooks). */
  async onApplicationShutdown(): Promise<void> {
    if (this.clients) await Promise.all([closeRedis(this.clients.pub), closeRedis(this.clients.sub)]);
  }
}
