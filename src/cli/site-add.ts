import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadCatalogFile } from '../catalog';
import { loadConfig } from '../config';
import { Database } from '../database';
import { SitesRepository } from '../sites';

export function registerSiteAdd(program: Command): void {
  program
    .command('site:add')
    .description('register a customer site; prints its webhook secret once (sign POST /api/v1/conversions with it)')
    .requiredOption('--key <siteKey>', 'the site key the widget sends (1-64 letters, digits, _ or -)')
    .requiredOption('--name <name>', 'a name for admins')
    .option('--catalog <file>', "the site's own product catalog JSON (default: the server's CATALOG_PATH catalog); build a model for it with build-model --catalog")
    .action(async (o: { key: string; name: string; catalog?: string }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.key)) throw new InvalidArgumentError('--key must be 1-64 letters, digits, _ or -');
      // Validated before the database is touched: a bad catalog adds no site.
      const catalog = o.catalog ? loadCatalogFile(resolve(o.catalog)) : undefined;
      const database = await Database.open(loadConfig().database);
      try {
        const site = await new SitesRepository(database.dataSource).create(o.key, o.name, catalog);
        console.log(JSON.stringify({ siteKey: site.siteKey, name: site.name, webhookSecret: site.webhookSecret, catalog: catalog?.product ?? 'the server default' }, null, 2));
      } finally {
        await database.close();
      }
    });
}
