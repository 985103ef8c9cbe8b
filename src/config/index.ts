export { AppConfig, BucketLimit, ConfigError, DatabaseConfig, LimitsConfig, LlmSimulatorConfig, loadConfig, NightlyConfig, PolicyConfig } from './app-config';
export { AppConfigModule } from './config.module';
