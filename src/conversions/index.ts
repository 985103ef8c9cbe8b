export { CONVERSIONS_PATH } from './conversions.controller';
export { ConversionsModule } from './conversions.module';
export { signWebhook } from './signature';
