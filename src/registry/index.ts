export { ModelVersion, ModelVersionStatus } from './entities/model-version.entity';
export { AdapterRecord, adapterOf, CandidateRecord, Champion, CHAMPION_CHANNEL, InTransaction, ModelRegistry } from './model-registry';
export { ChampionWatcher, ChampionWatcherOptions } from './champion-watcher';
export { RegistryError } from './registry-error';
export { ChampionWatcherService } from './champion-watcher.service';
export { RegistryModule } from './registry.module';
