import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config';
import { SitesRepository } from '../conversions';
import { Database } from '../database';

export function registerSiteAdd(program: Command): void {
  program
    .command('site:add')
    .description('register a customer site; prints its webhook secret once (sign POST /api/v1/conversions with it)')
    .requiredOption('--key <siteKey>', 'the site key the widget sends (1-64 letters, digits, _ or -)')
    .requiredOption('--name <name>', 'a name for admins')
    .action(async (o: { key: string; name: string }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.key)) throw new InvalidArgumentError('--key must be 1-64 letters, digits, _ or -');
      const database = await Database.open(loadConfig().database);
      try {
        const site = await new SitesRepository(database.dataSource).create(o.key, o.name);
        console.log(JSON.stringify(site, null, 2));
      } finally {
        await database.close();
      }
    });
}
