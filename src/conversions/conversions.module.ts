import { Module } from '@nestjs/common';
import { ConversionsController } from './conversions.controller';
import { SitesRepository } from './sites.repository';

@Module({
  controllers: [ConversionsController],
  providers: [SitesRepository],
  exports: [SitesRepository],
})
export class ConversionsModule {}
