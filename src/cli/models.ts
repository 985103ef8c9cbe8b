import { Command } from 'commander';
import { resolve, basename } from 'node:path';
import { adapterOf, ModelRegistry } from '../registry';
import { withDatabase } from './with-database';

/** Opens the registry on the configured database, runs one action, closes. */
async function withRegistry<T>(action: (registry: ModelRegistry) => Promise<T>): Promise<void> {
  console.log(JSON.stringify(await withDatabase((db) => action(new ModelRegistry(db)))));
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('the model registry: list versions, promote, pin, roll back (every server follows the champion)');
  models
    .command('list')
    .description('recent model versions as JSON lines (status, lineage, gate figures)')
    .action(() =>
      withDatabase(async (db) => {
        const registry = new ModelRegistry(db);
        const versions = await registry.list();
        const names = new Map(versions.map((v) => [v.id, v.name]));
        for (const v of versions) {
          const adapter = adapterOf(v);
          // An adapter's base may be older than the listed versions: look its name up.
          const base = adapter && (names.get(adapter.baseVersionId) ?? (await registry.find(adapter.baseVersionId)).name);
          console.log(JSON.stringify({ id: v.id, name: v.name, status: v.status, pinned: v.pinned, parent: v.parentId, run: v.runId, estimator: v.estimator, dataWindow: v.dataWindowStart && [v.dataWindowStart, v.dataWindowEnd], promotedAt: v.promotedAt, rolledBackAt: v.rolledBackAt, artifactPath: v.artifactPath, adapter: adapter ? { base, baseId: adapter.baseVersionId, rank: adapter.rank, targets: adapter.targets } : null }));
        }
      }),
    );
  models.command('promote <version>').description('make a version (id or name) the champion, bypassing the gate; refused while the champion is pinned').action((v: string) => withRegistry((r) => r.promote(v)));
  models.command('pin <version>').description('make a version the champion and keep it: nightly runs do not replace it until `models unpin`').action((v: string) => withRegistry((r) => r.pin(v)));
  models.command('unpin').description('let nightly runs replace the champion again').action(() => withRegistry((r) => r.unpin()));
  models.command('rollback').description('back to the previous champion; the current one is marked rolled back').action(() => withRegistry((r) => r.rollback()));
  models
    .command('adopt')
    .description('register a model folder as a version (the champion if there is none yet), as a server does for MODEL_DIR')
    .option('--model <dir>', 'model folder', 'models/default')
    .action((f: { model: string }) => withRegistry(async (r) => ({ id: await r.adoptServed(basename(resolve(f.model)), resolve(f.model)), champion: await r.champion() })));
}
