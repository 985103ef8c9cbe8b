import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** queued → preparing → training → evaluating → [canary →] promoted | rejected | failed | cancelled (`canary`: the worker is done; live outcomes decide). */
export const trainingRunStates = ['queued', 'preparing', 'training', 'evaluating', 'canary', 'promoted', 'rejected', 'failed', 'cancelled'] as const;
export type TrainingRunStatus = (typeof trainingRunStates)[number];
/** States a worker holds a run in (heartbeats expected). */
export const activeRunStates: readonly TrainingRunStatus[] = ['preparing', 'training', 'evaluating'];
/** States no worker changes any more (a canary's run is moved on by the canary's verdict). */
export const finalRunStates: readonly TrainingRunStatus[] = ['canary', 'promoted', 'rejected', 'failed', 'cancelled'];

@Entity('training_runs')
export class TrainingRun {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', default: 'queued' })
  status!: TrainingRunStatus;

  /** Unique: `nightly:YYYY-MM-DD` makes the nightly enqueue idempotent across replicas. */
  @Column({ name: 'run_key', type: 'text', unique: true })
  runKey!: string;

  /** What started it: `nightly`, `cli`, `admin`. */
  @Column({ type: 'text' })
  trigger!: string;

  /** Advantage estimator name (`hian`, `grpo`, ...). */
  @Column({ type: 'text' })
  estimator!: string;

  @Column({ name: 'base_model_version_id', type: 'uuid', nullable: true })
  baseModelVersionId!: string | null;

  @Column({ name: 'candidate_model_version_id', type: 'uuid', nullable: true })
  candidateModelVersionId!: string | null;

  /** The run's settings (steps, contexts, group, evaluation, gate rules), fixed at enqueue. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  config!: Record<string, unknown>;

  /** Progress and the last step's metrics. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metrics!: Record<string, unknown>;

  /** What went into training: data window, derived personas, library personas. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  data!: Record<string, unknown>;

  /** The offline evaluation report and the gate's decision. */
  @Column({ type: 'jsonb', nullable: true })
  gate!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  device!: 'cpu' | 'cuda' | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'integer', default: 2 })
  maxAttempts!: number;

  @Column({ name: 'worker_id', type: 'text', nullable: true })
  workerId!: string | null;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  /** The trainer's run folder (checkpoints, metrics.jsonl, candidate model), under ARTIFACT_DIR. */
  @Column({ name: 'run_dir', type: 'text', nullable: true })
  runDir!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
