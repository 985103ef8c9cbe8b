import { basename } from 'node:path';
import { AppConfig } from '../config';
import { Database } from '../database';
import { TrainingRunQueue } from '../jobs/training-run.queue';
import { SettingsRepository } from '../jobs/settings.repository';
import { ModelRegistry } from '../registry';
import { loadPersonaLibrary } from '../simulator';
import { defaultFidelityOptions } from './fidelity-report';
import { NightlyPipeline } from './nightly-pipeline';
import { CandidateTrainer } from './candidate-trainer';

export interface NightlyServices {
  database: Database;
  registry: ModelRegistry;
  queue: TrainingRunQueue;
  settings: SettingsRepository;
  pipeline: NightlyPipeline;
  close(): Promise<void>;
}

/**
 * The pipeline outside Nest (the `worker` and `nightly` commands): the database (embedded unless
 * DATABASE_URL), the registry, the queue. With no champion yet, the configured MODEL_DIR becomes
 * it, exactly as a server does on its first reply.
 */
export async function openNightly(config: AppConfig, o: { log?: (line: string) => void; trainer?: CandidateTrainer } = {}): Promise<NightlyServices> {
  const database = await Database.open(config.database, { shareEmbedded: true });
  try {
    const registry = new ModelRegistry(database.dataSource);
    const queue = new TrainingRunQueue(database.dataSource);
    if (!(await registry.champion())) await registry.adoptServed(basename(config.policy.modelDir), config.policy.modelDir);
    const pipeline = new NightlyPipeline({
      db: database.dataSource,
      queue,
      registry,
      catalog: config.catalog,
      canaryShare: config.canary.share,
      fidelity: config.fidelity.simulatedSessions > 0 ? { ...defaultFidelityOptions, ...config.fidelity, replyMaxTokens: config.policy.replyMaxTokens } : undefined,
      library: loadPersonaLibrary(config.catalog, config.personasPath),
      artifactDir: config.nightly.artifactDir,
      trainer: o.trainer,
      log: o.log,
    });
    return { database, registry, queue, settings: new SettingsRepository(database.dataSource), pipeline, close: () => database.close() };
  } catch (err) {
    await database.close();
    throw err;
  }
}
