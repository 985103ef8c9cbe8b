import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminRole } from '../roles';

export const ROLES_KEY = 'closer:admin-role';

/** The weakest role allowed to call a handler (or every handler of a controller); stronger roles may too. */
export const Roles = (role: AdminRole) => SetMetadata(ROLES_KEY, role);

/** The request property the guard attaches the authenticated actor to. */
export const ACTOR = Symbol('closer:admin-actor');

/** The authenticated caller of an admin handler (set by `ApiKeyGuard`). */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminActor => ctx.switchToHttp().getRequest()[ACTOR]);
