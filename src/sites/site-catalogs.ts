import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProductCatalog } from '../catalog';
import { AppConfig } from '../config';
import { TurnScoring } from '../scoring';
import { SitesRepository } from './sites.repository';

/** What a session's agent sells and the scorers that check its replies against it. */
export interface SiteCatalog {
  catalog: ProductCatalog;
  scoring: TurnScoring;
}

/** Distinct site catalogs whose scorers are kept; beyond it the cache starts over (sites are few). */
const MAX_CACHED_CATALOGS = 256;

/**
 * The catalog each chat session is answered from: its site's own (`site:add --catalog`) or the
 * server's (CATALOG_PATH). Looked up per turn, so a site registered while the server runs takes effect at once.
 */
@Injectable()
export class SiteCatalogs {
  private readonly serverCatalog: SiteCatalog;
  /** Scorers by catalog content, so sites sharing a catalog share them. */
  private readonly siteCatalogs = new Map<string, SiteCatalog>();

  constructor(
    private readonly sites: SitesRepository,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    const catalog = config.get('catalog', { infer: true });
    this.serverCatalog = { catalog, scoring: new TurnScoring(catalog) };
  }

  async forSession(sessionId: string): Promise<SiteCatalog> {
    const { catalog } = await this.sites.catalogOfSession(sessionId);
    if (!catalog) return this.serverCatalog;
    const key = JSON.stringify(catalog);
    let entry = this.siteCatalogs.get(key);
    if (!entry) {
      if (this.siteCatalogs.size >= MAX_CACHED_CATALOGS) this.siteCatalogs.clear();
      entry = { catalog, scoring: new TurnScoring(catalog) };
      this.siteCatalogs.set(key, entry);
    }
    return entry;
  }
}
