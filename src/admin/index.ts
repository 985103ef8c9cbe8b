export { ApiKey, ApiKeyRole } from './entities/api-key.entity';
