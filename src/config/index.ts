export { AppConfig, BucketLimit, CanaryConfig, ConfigError, DatabaseConfig, LimitsConfig, LlmSimulatorConfig, loadConfig, NightlyConfig, PolicyConfig, RedisConfig } from './app-config';
export { AppConfigModule } from './config.module';
export { PrivacyConfig } from './app-config';
