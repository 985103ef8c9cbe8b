import { Module } from '@nestjs/common';
import { ChampionWatcherService } from './champion-watcher.service';
import { ModelRegistry } from './model-registry';

/** Model versions, promotion and rollback, and the champion watcher every server instance runs. */
@Module({
  providers: [ModelRegistry, ChampionWatcherService],
  exports: [ModelRegistry, ChampionWatcherService],
})
export class RegistryModule {}
