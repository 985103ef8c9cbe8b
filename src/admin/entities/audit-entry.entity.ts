import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One admin write: who did what to which target. The summary never holds secrets or visitors' text. */
@Entity('admin_audit_log')
export class AuditEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The API key used; null for the command line (and if the key row were ever deleted). */
  @Column({ name: 'actor_key_id', type: 'uuid', nullable: true })
  actorKeyId!: string | null;

  /** The key's name at the time (or `cli`), kept so the entry reads on its own. */
  @Column({ name: 'actor_name', type: 'text' })
  actorName!: string;

  /** `<resource>.<verb>`, e.g. `model.promote`, `training_run.cancel`, `api_key.create`. */
  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType!: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  summary!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
