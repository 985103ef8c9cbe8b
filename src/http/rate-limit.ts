import { ExecutionContext, HttpStatus, Injectable, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule, ThrottlerOptions } from '@nestjs/throttler';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config';
import { httpError } from './error-body';

/** The route groups with their own per-IP limit, by path prefix; every other route shares `other`. */
const GROUPS = { admin: '/api/v1/admin', webhook: '/api/v1/conversions' } as const;
type Group = keyof typeof GROUPS | 'other';

const pathOf = (req: IncomingMessage & { originalUrl?: string }) => (req.originalUrl ?? req.url ?? '/').split('?')[0];
const groupOf = (req: IncomingMessage): Group =>
  (Object.keys(GROUPS) as (keyof typeof GROUPS)[]).find((g) => pathOf(req) === GROUPS[g] || pathOf(req).startsWith(`${GROUPS[g]}/`)) ?? 'other';

/**
 * HTTP rate limits per client IP (`req.ip`: see TRUST_PROXY_HOPS), one sliding window per route
 * group: the whole admin API shares one budget, the conversions webhook another, the rest (health,
 * metrics) a third. Checked before any other guard, so a flood of bad API keys is cut off too.
 * Sockets are limited by the chat EventLimiter instead.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  /** `429 { code: 'rate_limited', message }` with Retry-After in seconds. */
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<ServerResponse>().setHeader('Retry-After', String(retryAfter));
    throw httpError(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', `more than ${detail.limit} requests in ${detail.ttl / 1000} s from this address; retry in ${retryAfter} s`);
  }
}

function throttlers(config: AppConfig['limits']['http']): ThrottlerOptions[] {
  const limits: Record<Group, number> = { admin: config.admin, webhook: config.webhook, other: config.other };
  return (Object.keys(limits) as Group[]).map((group) => ({
    name: group,
    limit: limits[group],
    ttl: config.windowSeconds * 1000,
    skipIf: (context: ExecutionContext) => groupOf(context.switchToHttp().getRequest<IncomingMessage>()) !== group,
    // One budget per group and address, whichever route of the group is called.
    generateKey: (_context: ExecutionContext, tracker: string) => `${group}:${tracker}`,
  }));
}

/** Registers RateLimitGuard globally with the limits of the configuration (RATE_LIMIT_*). */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({ throttlers: throttlers(config.get('limits.http', { infer: true })), setHeaders: false }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
