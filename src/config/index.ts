export { AppConfig, ConfigError, DatabaseConfig, LlmSimulatorConfig, loadConfig, PolicyConfig } from './app-config';
export { AppConfigModule } from './config.module';
