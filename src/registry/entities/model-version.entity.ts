import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ModelVersionStatus = 'candidate' | 'champion' | 'retired' | 'rejected';

@Entity('model_versions')
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** The version this one was trained from (null for the shipped default). */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  /** Folder under ARTIFACT_DIR holding config.json, model.safetensors, tokenizer.json. */
  @Column({ name: 'artifact_path', type: 'text' })
  artifactPath!: string;

  /** At most one row is `champion` (partial unique index). */
  @Column({ type: 'text', default: 'candidate' })
  status!: ModelVersionStatus;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  config!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metrics!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'promoted_at', type: 'timestamptz', nullable: true })
  promotedAt!: Date | null;
}
