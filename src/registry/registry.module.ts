import { Module } from '@nestjs/common';
import { CanaryMonitor } from './canary-monitor';
import { ChampionWatcherService } from './champion-watcher.service';
import { ModelRegistry } from './model-registry';

/** Model versions, promotion and rollback, the champion watcher and the canary monitor every server instance runs. */
@Module({
  providers: [ModelRegistry, ChampionWatcherService, CanaryMonitor],
  exports: [ModelRegistry, ChampionWatcherService, CanaryMonitor],
})
export class RegistryModule {}
