export { AppConfig, ConfigError, DatabaseConfig, LlmSimulatorConfig, loadConfig, NightlyConfig, PolicyConfig, PrivacyConfig } from './app-config';
export { AppConfigModule } from './config.module';
