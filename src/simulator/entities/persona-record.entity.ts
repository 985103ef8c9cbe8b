import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type PersonaSource = 'library' | 'derived' | 'admin';

@Entity('personas')
export class PersonaRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The persona's slug (its `id` inside `definition`). */
  @Column({ type: 'text', unique: true })
  key!: string;

  @Column({ type: 'text' })
  source!: PersonaSource;

  /** The persona as validated by `personaSchema`. */
  @Column({ type: 'jsonb' })
  definition!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
