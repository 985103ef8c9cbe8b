export { CONVERSIONS_PATH } from './conversions.controller';
export { ConversionsModule } from './conversions.module';
export { signWebhook } from './signature';
export { Site, SitesRepository } from './sites.repository';
