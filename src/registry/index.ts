export { ModelVersion, ModelVersionStatus } from './entities/model-version.entity';
