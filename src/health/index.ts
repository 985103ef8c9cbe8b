export { HealthModule } from './health.module';
export { MODEL_STATUS, ModelStatus } from './model-status';
