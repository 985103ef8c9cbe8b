import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config';
import { Database } from '../database';
import { SitesRepository } from '../sites';
import { collectOrigin, ORIGIN_HELP } from './site-add';

export function registerSiteUpdate(program: Command): void {
  program
    .command('site:update')
    .description("replace a registered site's allowed widget origins (session:start from any other browser origin is refused)")
    .requiredOption('--key <siteKey>', 'the site key')
    .option('--origin <origin>', ORIGIN_HELP, collectOrigin, [])
    .option('--any-origin', 'clear the list: the widget may run on any origin')
    .action(async (o: { key: string; origin: string[]; anyOrigin?: boolean }) => {
      if (o.origin.length === 0 && !o.anyOrigin) throw new InvalidArgumentError('give the allowed origins with --origin, or --any-origin');
      if (o.origin.length > 0 && o.anyOrigin) throw new InvalidArgumentError('--origin and --any-origin exclude each other');
      const database = await Database.open(loadConfig().database, { shareEmbedded: true });
      try {
        if (!(await new SitesRepository(database.dataSource).setAllowedOrigins(o.key, o.origin))) throw new InvalidArgumentError(`no site is registered with the key "${o.key}"`);
        console.log(JSON.stringify({ siteKey: o.key, allowedOrigins: o.origin.length ? o.origin : 'any' }, null, 2));
      } finally {
        await database.close();
      }
    });
}
