export { AppConfig, ConfigError, DatabaseConfig, LlmSimulatorConfig, loadConfig } from './app-config';
export { AppConfigModule } from './config.module';
