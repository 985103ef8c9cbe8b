import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { Database } from '../database';
import { ChampionWatcher } from './champion-watcher';
import { ModelRegistry } from './model-registry';

/**
 * The app's champion watcher: subscribe with `on('change', champion => …)` and
 * `on('canary', canary => …)` (the policy service's hot swap and canary). LISTEN on an external Postgres; the embedded database has one connection, so it is polled.
 */
@Injectable()
export class ChampionWatcherService extends ChampionWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ChampionWatcher');

  constructor(registry: ModelRegistry, @Inject(Database) database: Database, @Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    const url = config.get('database.url', { infer: true });
    super({
      listen: database.kind === 'external' && url ? { connectionString: url, connectionTimeoutMillis: 5000 } : undefined,
      readChampion: () => registry.champion(),
      readCanary: () => registry.canary(),
      pollMs: config.get('nightly.championPollSeconds', { infer: true }) * 1000,
      onError: (err) => this.logger.warn(`champion watch: ${err.message}`),
    });
    this.on('change', (c) => this.logger.log(`champion is now ${c.name} (${c.artifactPath})`));
    this.on('canary', (c) => this.logger.log(c ? `canary is ${c.name} for ${Math.round(c.share * 100)}% of new sessions (${c.artifactPath})` : 'no canary'));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}
