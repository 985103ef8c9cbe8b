import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TrainingRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

@Entity('training_runs')
export class TrainingRun {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', default: 'queued' })
  status!: TrainingRunStatus;

  /** What started it: `nightly`, `admin`, `cli`. */
  @Column({ type: 'text' })
  trigger!: string;

  /** Advantage estimator name (`hian`, `grpo`, ...). */
  @Column({ type: 'text' })
  estimator!: string;

  @Column({ name: 'base_model_version_id', type: 'uuid', nullable: true })
  baseModelVersionId!: string | null;

  @Column({ name: 'candidate_model_version_id', type: 'uuid', nullable: true })
  candidateModelVersionId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  config!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metrics!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
