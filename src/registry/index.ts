export { ModelVersion, ModelVersionStatus } from './entities/model-version.entity';
export { AdapterRecord, adapterOf, Canary, CanaryEnding, CanaryEndingVerdict, CandidateRecord, Champion, CHAMPION_CHANNEL, InTransaction, ModelRegistry } from './model-registry';
export { ChampionWatcher, ChampionWatcherOptions } from './champion-watcher';
export { RegistryError } from './registry-error';
export { ChampionWatcherService } from './champion-watcher.service';
export { RegistryModule } from './registry.module';
export { servedByCanary } from './canary-assignment';
export { CanaryMonitor, CanaryReading, figuresOf } from './canary-monitor';
export { CANARY_GUARDS, CanaryDecision, CanaryMetric, CanaryRules, decideCanary, defaultCanaryRules } from './canary-decision';
