import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { ConversionsController } from './conversions.controller';
import { SitesRepository } from './sites.repository';

@Module({
  imports: [SessionsModule],
  controllers: [ConversionsController],
  providers: [SitesRepository],
  exports: [SitesRepository],
})
export class ConversionsModule {}
