import { Command } from 'commander';
import { loadConfig } from '../config';
import { Database } from '../database';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the embedded database under DATA_DIR)')
    .option('--revert', 'undo the most recent migration instead')
    .action(async (options: { revert?: boolean }) => {
      const config = loadConfig();
      const database = await Database.open(config.database, { runMigrations: !options.revert, shareEmbedded: true });
      try {
        if (options.revert) {
          await database.dataSource.undoLastMigration({ transaction: 'each' });
          console.log('reverted the most recent migration');
        } else if (database.appliedMigrations.length === 0) {
          console.log('schema is up to date');
        } else {
          for (const name of database.appliedMigrations) console.log(`applied ${name}`);
        }
      } finally {
        await database.close();
      }
    });
}
