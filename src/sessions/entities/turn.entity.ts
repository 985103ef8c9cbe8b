import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { ChatSession } from './chat-session.entity';

/** `agent`: the AI; `person`: an operator holding the session (live takeover); `system`: a server notice (a person joined, left, was asked for). */
export type TurnRole = 'visitor' | 'agent' | 'system' | 'person';

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

  /** The API key of the person who wrote a `person` turn (null for other roles). */
  @Column({ name: 'author_key_id', type: 'uuid', nullable: true })
  authorKeyId!: string | null;

  /** The name a `person` turn was shown to the visitor under (null for other roles). */
  @Column({ name: 'author_name', type: 'text', nullable: true })
  authorName!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
