import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { httpError } from '../../http';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { AdminRole, roleAllows } from '../roles';
import { ACTOR, ROLES_KEY } from './roles.decorator';

/**
 * `Authorization: Bearer <key>` on every admin route: 401 `unauthorized` without a valid, unrevoked
 * key; 403 `forbidden` when the key's role is weaker than the handler's `@Roles()`. A handler
 * without `@Roles()` needs `admin` (fail closed).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<IncomingMessage & { [ACTOR]?: unknown }>();
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const actor = presented ? await this.keys.authenticate(presented) : undefined;
    if (!actor) throw httpError(HttpStatus.UNAUTHORIZED, 'unauthorized', 'send a valid admin API key as "Authorization: Bearer <key>"');
    const required = this.reflector.getAllAndOverride<AdminRole | undefined>(ROLES_KEY, [ctx.getHandler(), ctx.getClass()]) ?? 'admin';
    if (!roleAllows(actor.role, required)) throw httpError(HttpStatus.FORBIDDEN, 'forbidden', `this needs the ${required} role; the key "${actor.name}" is ${actor.role}`);
    req[ACTOR] = actor;
    return true;
  }
}
