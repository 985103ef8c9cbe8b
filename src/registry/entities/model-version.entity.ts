import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ModelVersionStatus = 'candidate' | 'canary' | 'champion' | 'retired' | 'rejected';

@Entity('model_versions')
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** The version this one was trained from (null for the shipped default). */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  /** The training run that produced it (null for a model a server was started with). */
  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ type: 'text', nullable: true })
  estimator!: string | null;

  /** The logged sessions its training data came from. */
  @Column({ name: 'data_window_start', type: 'timestamptz', nullable: true })
  dataWindowStart!: Date | null;

  @Column({ name: 'data_window_end', type: 'timestamptz', nullable: true })
  dataWindowEnd!: Date | null;

  /** Folder (under ARTIFACT_DIR for trained versions) holding config.json, model.safetensors, tokenizer.json. */
  @Column({ name: 'artifact_path', type: 'text' })
  artifactPath!: string;

  /** At most one row is `champion` and one `canary` (partial unique indexes). */
  @Column({ type: 'text', default: 'candidate' })
  status!: ModelVersionStatus;

  /** A pinned champion is not replaced by nightly promotions until unpinned. */
  @Column({ type: 'boolean', default: false })
  pinned!: boolean;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  config!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metrics!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'promoted_at', type: 'timestamptz', nullable: true })
  promotedAt!: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  /** Set when an operator rolled it back: rollback never returns to it. */
  @Column({ name: 'rolled_back_at', type: 'timestamptz', nullable: true })
  rolledBackAt!: Date | null;
}
