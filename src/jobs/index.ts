export { TrainingRun, TrainingRunStatus } from './entities/training-run.entity';
