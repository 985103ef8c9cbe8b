import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor } from '../auth/roles.decorator';
import { AdminActor } from './api-keys.repository';

/** Who the presented key is: the dashboard shows only what the role may do (the 403s stay the guarantee). */
@AdminController('me', 'API keys')
export class MeController {
  @Get()
  @ApiOperation({ summary: "the presented key's name and role (any role)" })
  me(@Actor() actor: AdminActor) {
    return { name: actor.name, role: actor.role };
  }
}
