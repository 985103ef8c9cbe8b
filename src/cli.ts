import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from './config';
import { Database } from './database';
import { describeStartupError } from './startup-error';

/**
 * `closer` command line (`npm run closer -- <command>`). Later features add their commands
 * (build-model, train, eval, compare, simulate, bench) here.
 */
export function buildCli(): Command {
  const program = new Command('closer')
    .description('Closer: a sales-chat agent server that learns online with DuCA')
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the embedded database under DATA_DIR)')
    .option('--revert', 'undo the most recent migration instead')
    .action(async (options: { revert?: boolean }) => {
      const config = loadConfig();
      const database = await Database.open(config.database, { runMigrations: !options.revert });
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

  return program;
}

if (require.main === module) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`closer: ${describeStartupError(err, { databaseUrl: process.env.DATABASE_URL })}\n`);
      process.exit(1);
    });
}
