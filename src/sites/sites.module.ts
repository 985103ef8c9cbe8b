import { Module } from '@nestjs/common';
import { RulesModule } from '../rules';
import { SiteCatalogs } from './site-catalogs';
import { SitesRepository } from './sites.repository';

/** Registered customer sites and the catalog each one sells. */
@Module({
  imports: [RulesModule],
  providers: [SitesRepository, SiteCatalogs],
  exports: [SitesRepository, SiteCatalogs],
})
export class SitesModule {}
