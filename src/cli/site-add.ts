import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadCatalogFile } from '../catalog';
import { loadConfig } from '../config';
import { Database } from '../database';
import { normalizeOrigin, SitesRepository } from '../sites';

/** `--origin` may be given several times; each is checked and normalized as it is read. */
export function collectOrigin(value: string, previous: string[]): string[] {
  const origin = normalizeOrigin(value);
  if (!origin) throw new InvalidArgumentError(`--origin must be an http(s) origin such as https://shop.example.com (no path), not "${value}"`);
  return previous.includes(origin) ? previous : [...previous, origin];
}

export const ORIGIN_HELP = 'a browser origin the widget may run on, e.g. https://shop.example.com (repeat for several; none: any origin)';

export function registerSiteAdd(program: Command): void {
  program
    .command('site:add')
    .description('register a customer site; prints its webhook secret once (sign POST /api/v1/conversions with it)')
    .requiredOption('--key <siteKey>', 'the site key the widget sends (1-64 letters, digits, _ or -)')
    .requiredOption('--name <name>', 'a name for admins')
    .option('--catalog <file>', "the site's own product catalog JSON (default: the server's CATALOG_PATH catalog); build a model for it with build-model --catalog")
    .option('--origin <origin>', ORIGIN_HELP, collectOrigin, [])
    .action(async (o: { key: string; name: string; catalog?: string; origin: string[] }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.key)) throw new InvalidArgumentError('--key must be 1-64 letters, digits, _ or -');
      // Validated before the database is touched: a bad catalog adds no site.
      const catalog = o.catalog ? loadCatalogFile(resolve(o.catalog)) : undefined;
      const database = await Database.open(loadConfig().database, { shareEmbedded: true });
      try {
        const site = await new SitesRepository(database.dataSource).create(o.key, o.name, catalog, o.origin);
        const summary = { siteKey: site.siteKey, name: site.name, webhookSecret: site.webhookSecret, catalog: catalog?.product ?? 'the server default', allowedOrigins: site.allowedOrigins.length ? site.allowedOrigins : 'any' };
        console.log(JSON.stringify(summary, null, 2));
      } finally {
        await database.close();
      }
    });
}
