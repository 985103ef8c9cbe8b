export { SiteCatalog, SiteCatalogs } from './site-catalogs';
export { Site, SitesRepository } from './sites.repository';
export { SitesModule } from './sites.module';
