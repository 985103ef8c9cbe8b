import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { Turn } from './turn.entity';

@Entity('turn_scores')
export class TurnScore {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'turn_id', type: 'uuid' })
  turnId!: string;

  @ManyToOne(() => Turn, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'turn_id' })
  turn?: Relation<Turn>;

  /** Scorer name, e.g. `compliance`, `repetition`, `bot_likeness`, `fluency`, `total`. */
  @Column({ type: 'text' })
  scorer!: string;

  @Column({ name: 'scorer_version', type: 'text' })
  scorerVersion!: string;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  evidence!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
