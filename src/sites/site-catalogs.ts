import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProductCatalog } from '../catalog';
import { AppConfig } from '../config';
import { TurnScoring } from '../scoring';
import { siteCatalog, SitesRepository } from './sites.repository';

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
  /** Scorers by the stored catalog text, so sites sharing a catalog share them and a changed catalog is picked up. */
  private readonly siteCatalogs = new Map<string, SiteCatalog>();

  constructor(
    private readonly sites: SitesRepository,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    const catalog = config.get('catalog', { infer: true });
    this.serverCatalog = { catalog, scoring: new TurnScoring(catalog) };
  }

  /** One indexed query per turn; the catalog is parsed and its scorers built only the first time its text is seen. */
  async forSession(sessionId: string): Promise<SiteCatalog> {
    const { siteKey, catalogText } = await this.sites.catalogTextOfSession(sessionId);
    if (catalogText === null) return this.serverCatalog;
    let entry = this.siteCatalogs.get(catalogText);
    if (!entry) {
      if (this.siteCatalogs.size >= MAX_CACHED_CATALOGS) this.siteCatalogs.clear();
      const catalog = siteCatalog(siteKey, JSON.parse(catalogText))!;
      entry = { catalog, scoring: new TurnScoring(catalog) };
      this.siteCatalogs.set(catalogText, entry);
    }
    return entry;
  }
}
