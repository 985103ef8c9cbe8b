export { normalizeOrigin, originHeader } from './origins';
export { SiteAccess, SiteAccessError } from './site-access';
export { SiteCatalog, SiteCatalogs } from './site-catalogs';
export { Site, SitesRepository } from './sites.repository';
export { SitesModule } from './sites.module';
