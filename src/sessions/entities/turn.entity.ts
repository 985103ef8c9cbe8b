import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { ChatSession } from './chat-session.entity';

export type TurnRole = 'visitor' | 'agent' | 'system';

@Entity('turns')
export class Turn {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @ManyToOne(() => ChatSession, (session) => session.turns, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: Relation<ChatSession>;

  /** 0-based position in the session; unique per session. */
  @Column({ type: 'integer' })
  index!: number;

  @Column({ type: 'text' })
  role!: TurnRole;

  @Column({ type: 'text' })
  text!: string;

  /** Idempotency key sent by the client; a retried id never creates a second turn. */
  @Column({ name: 'client_message_id', type: 'text', nullable: true })
  clientMessageId!: string | null;

  @Column({ name: 'model_version_id', type: 'uuid', nullable: true })
  modelVersionId!: string | null;

  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ name: 'time_to_first_token_ms', type: 'integer', nullable: true })
  timeToFirstTokenMs!: number | null;

  /** Message received → the first sentence of the reply sent to the visitor. */
  @Column({ name: 'time_to_first_delta_ms', type: 'integer', nullable: true })
  timeToFirstDeltaMs!: number | null;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
