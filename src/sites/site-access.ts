import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { SitesRepository } from './sites.repository';

/** A chat session refused for its site: the key is not registered (production), or the page's origin is not the site's. */
export class SiteAccessError extends Error {
  constructor(
    readonly code: 'unknown_site' | 'origin_not_allowed',
    message: string,
  ) {
    super(message);
    this.name = 'SiteAccessError';
  }
}

/**
 * Which browser pages may chat as which site (docs/security.md). The `Origin` header is what a
 * browser cannot forge for a page's scripts; a client that sends none is not a browser page and
 * could claim any origin anyway, so it is held only to the site key. In production an unknown site
 * key is refused; in development and tests any key starts sessions, from any origin, so the demo
 * page and local experiments need no `site:add`.
 */
@Injectable()
export class SiteAccess {
  private readonly production: boolean;

  constructor(
    private readonly sites: SitesRepository,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.production = config.get('env', { infer: true }) === 'production';
  }

  /** Throws a SiteAccessError unless a session of `siteKey` may start from a page of `origin`. */
  async assertMayStart(siteKey: string, origin: string | undefined): Promise<void> {
    const site = await this.sites.find(siteKey);
    if (!site) {
      if (this.production) throw new SiteAccessError('unknown_site', `no site is registered with the key "${siteKey}"`);
      return;
    }
    if (origin !== undefined && site.allowedOrigins.length > 0 && !site.allowedOrigins.includes(origin)) {
      throw new SiteAccessError('origin_not_allowed', `the widget of site "${siteKey}" may not run on ${origin.slice(0, 200)}`);
    }
  }

  /**
   * Whether a browser page of `origin` may load the widget's assets and open socket.io at all (CORS
   * and the handshake): the server's own pages (`host`: the request's Host header), and in production
   * the origins some site allows; each site's own list is enforced again at `session:start`.
   */
  async mayConnect(origin: string | undefined, host: string | undefined): Promise<boolean> {
    if (origin === undefined || !this.production || sameHost(origin, host)) return true;
    return this.sites.someSiteAllows(origin);
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
