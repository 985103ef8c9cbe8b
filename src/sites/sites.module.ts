import { Module } from '@nestjs/common';
import { RulesModule } from '../rules';
import { SiteAccess } from './site-access';
import { SiteCatalogs } from './site-catalogs';
import { SitesRepository } from './sites.repository';

/** Registered customer sites, the catalog each one sells and the origins its widget may run on. */
@Module({
  imports: [RulesModule],
  providers: [SitesRepository, SiteCatalogs, SiteAccess],
  exports: [SitesRepository, SiteCatalogs, SiteAccess],
})
export class SitesModule {}
