import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { SitesModule } from '../sites';
import { ConversionsController } from './conversions.controller';

@Module({
  imports: [SessionsModule, SitesModule],
  controllers: [ConversionsController],
})
export class ConversionsModule {}
