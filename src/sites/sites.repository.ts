import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { parseCatalog, ProductCatalog } from '../catalog';

export interface Site {
  siteKey: string;
  name: string;
  webhookSecret: string;
  /** The site's own catalog; undefined: the server's (CATALOG_PATH). */
  catalog?: ProductCatalog;
  /** Browser origins the widget may run on for this site (normalized, see normalizeOrigin); empty: any. */
  allowedOrigins: string[];
}

/** Registered customer sites. The webhook secret is returned to the caller once, at creation. */
@Injectable()
export class SitesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `catalog` and `allowedOrigins` must already be validated (parseCatalog/loadCatalogFile, normalizeOrigin): they are stored as given. */
  async create(siteKey: string, name: string, catalog?: ProductCatalog, allowedOrigins: string[] = []): Promise<Site> {
    const webhookSecret = randomBytes(32).toString('base64url');
    await this.db.query(`INSERT INTO sites (site_key, name, webhook_secret, catalog, allowed_origins) VALUES ($1, $2, $3, $4, $5)`, [
      siteKey,
      name,
      webhookSecret,
      catalog ? JSON.stringify(catalog) : null,
      allowedOrigins,
    ]);
    return { siteKey, name, webhookSecret, catalog, allowedOrigins };
  }

  async find(siteKey: string): Promise<Site | undefined> {
    const [row] = await this.db.query(`SELECT site_key, name, webhook_secret, catalog, allowed_origins FROM sites WHERE site_key = $1`, [siteKey]);
    return row
      ? { siteKey: row.site_key, name: row.name, webhookSecret: row.webhook_secret, catalog: siteCatalog(row.site_key, row.catalog), allowedOrigins: row.allowed_origins }
      : undefined;
  }

  /** Replaces the site's allowed origins (normalized already); false when no site has this key. */
  async setAllowedOrigins(siteKey: string, allowedOrigins: string[]): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`UPDATE sites SET allowed_origins = $2 WHERE site_key = $1 RETURNING site_key`, [siteKey, allowedOrigins]);
    return rows.length > 0;
  }

  /** Whether some site's widget may run on `origin`: it lists it, or it lists none (any origin). */
  async someSiteAllows(origin: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT EXISTS (SELECT 1 FROM sites WHERE cardinality(allowed_origins) = 0 OR $1 = ANY (allowed_origins)) AS allowed`, [origin]);
    return row.allowed === true;
  }

  /**
   * The stored catalog (JSON text, unparsed) of the site a chat session belongs to (null when the
   * site has none of its own), with the compliance and handoff rules' revisions: one statement
   * tells a turn whether what it caches (parsed catalogs by text, rule sets by revision) still stands.
   */
  async sessionSite(sessionId: string): Promise<SessionSite> {
    const [row] = await this.db.query(
      `SELECT c.site_key, s.catalog::text AS catalog_text, r.revision AS rules_revision, h.revision AS handoff_rules_revision
       FROM chat_sessions c LEFT JOIN sites s ON s.site_key = c.site_key
       CROSS JOIN compliance_rules_revision r CROSS JOIN handoff_rules_revision h
       WHERE c.id = $1`,
      [sessionId],
    );
    if (!row) throw new Error(`no chat session ${sessionId}`);
    return { siteKey: row.site_key, catalogText: row.catalog_text, rulesRevision: Number(row.rules_revision), handoffRulesRevision: Number(row.handoff_rules_revision) };
  }
}

export interface SessionSite {
  siteKey: string;
  catalogText: string | null;
  rulesRevision: number;
  handoffRulesRevision: number;
}

// Stored catalogs were validated when the site was added; parsing again guards against hand edits of the row.
export function siteCatalog(siteKey: string, stored: unknown): ProductCatalog | undefined {
  return stored === null || stored === undefined ? undefined : parseCatalog(stored, `the catalog of site ${siteKey}`);
}
