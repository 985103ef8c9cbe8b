import { applyDecorators, Controller, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminRole } from '../roles';
import { AdminErrorsInterceptor } from './admin-errors.interceptor';
import { ApiKeyGuard } from './api-key.guard';
import { Roles } from './roles.decorator';

export const ADMIN_PATH = 'api/v1/admin';

/**
 * A controller under `/api/v1/admin/<path>`: every route needs an API key of at least `role`
 * (handlers raise it with `@Roles()`), domain refusals become 404/409, and OpenAPI lists it under `tag`.
 */
export const AdminController = (path: string, tag: string, role: AdminRole = 'viewer') =>
  applyDecorators(
    Controller(`${ADMIN_PATH}/${path}`),
    UseGuards(ApiKeyGuard),
    UseInterceptors(AdminErrorsInterceptor),
    Roles(role),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: '`unauthorized`: no key, an unknown key or a revoked key' }),
    ApiForbiddenResponse({ description: '`forbidden`: the key\'s role is too weak' }),
  );
