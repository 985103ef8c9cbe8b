export { AppConfig, ConfigError, DatabaseConfig, loadConfig } from './app-config';
export { AppConfigModule } from './config.module';
