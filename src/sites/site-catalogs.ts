import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProductCatalog } from '../catalog';
import { AppConfig } from '../config';
import { RuleSet, RulesInForce } from '../rules';
import { TurnScoring } from '../scoring';
import { siteCatalog, SitesRepository } from './sites.repository';

/** What a session's agent sells and the scorers that check its replies against it. */
export interface SiteCatalog {
  catalog: ProductCatalog;
  scoring: TurnScoring;
}

/** A session's catalog and scorers, and the handoff rules' revision read with them. */
export interface SessionCatalog extends SiteCatalog {
  handoffRulesRevision: number;
}

/** Distinct site catalogs whose scorers are kept; beyond it the cache starts over (sites are few). */
const MAX_CACHED_CATALOGS = 256;

/**
 * The catalog each chat session is answered from: its site's own (`site:add --catalog`) or the
 * server's (CATALOG_PATH), with scorers that enforce the compliance rules in force. Looked up per
 * turn, so a site registered or a rule changed while the server runs takes effect at once.
 */
@Injectable()
export class SiteCatalogs {
  private readonly serverCatalog: ProductCatalog;
  /** The rule set the scorers below were built with; a new one (a rules change) rebuilds them. */
  private ruleSet: RuleSet | undefined;
  private serverScoring: TurnScoring | undefined;
  /** Scorers by the stored catalog text, so sites sharing a catalog share them and a changed catalog is picked up. */
  private readonly siteCatalogs = new Map<string, SiteCatalog>();

  constructor(
    private readonly sites: SitesRepository,
    private readonly rules: RulesInForce,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.serverCatalog = config.get('catalog', { infer: true });
  }

  /** One indexed query per turn; a catalog is parsed and its scorers built only the first time its text is seen under the current rules. */
  async forSession(sessionId: string): Promise<SessionCatalog> {
    const { siteKey, catalogText, rulesRevision, handoffRulesRevision } = await this.sites.sessionSite(sessionId);
    return { ...(await this.catalogOf(siteKey, catalogText, rulesRevision)), handoffRulesRevision };
  }

  private async catalogOf(siteKey: string, catalogText: string | null, rulesRevision: number): Promise<SiteCatalog> {
    const ruleSet = await this.rules.current(rulesRevision);
    if (ruleSet !== this.ruleSet) {
      this.ruleSet = ruleSet;
      this.serverScoring = undefined;
      this.siteCatalogs.clear();
    }
    if (catalogText === null) {
      this.serverScoring ??= new TurnScoring(this.serverCatalog, undefined, ruleSet.rules);
      return { catalog: this.serverCatalog, scoring: this.serverScoring };
    }
    let entry = this.siteCatalogs.get(catalogText);
    if (!entry) {
      if (this.siteCatalogs.size >= MAX_CACHED_CATALOGS) this.siteCatalogs.clear();
      const catalog = siteCatalog(siteKey, JSON.parse(catalogText))!;
      entry = { catalog, scoring: new TurnScoring(catalog, undefined, ruleSet.rules) };
      this.siteCatalogs.set(catalogText, entry);
    }
    return entry;
  }
}
